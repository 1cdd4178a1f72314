"""Use cases: ``verb_noun(*, session, ...)``. They raise MedbillError, never print or commit."""
