"""Paper renderings of the claim view: the CMS-1500 (02/12) as a grid, and the grid as a PDF.

Pure, like ``x12``: the 837P writer's frozen records in, text placed on a grid out. No database,
no command line.
"""
