"""Claims, one module per job.

* ``plan``: the rules, as pure functions over frozen rows: which charges go on which claim
  (primary coverage on the date of service, at most 50 lines and 12 diagnoses), diagnosis
  order and pointers, duplicates of services already billed, manifestation codes;
* ``store``: loading claims and their rows from the database, and the counters (claim and
  interchange control numbers);
* ``generate``: unbilled charges -> draft claims;
* ``scrub``: a claim's scrub view built from the store and the code sets, the edits run, and
  the findings saved (draft/held/ready -> held or ready);
* ``export``: ``export_batch``, the exactly-once 837P/JSON/CSV export (ready -> submitted);
* ``resubmit``: replacement and void claims (the original becomes closed);
* ``query``: listings and details for the commands.

Every status change goes through ``medbill_cli.status.check_transition``. The mapping from a
claim to the 837P writer's input lives beside the writer, in ``x12.claim_map``.
"""
