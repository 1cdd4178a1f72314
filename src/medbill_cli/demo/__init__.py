"""The demo practice (``medbill demo``): a month of a primary-care office's work, run through
the same services the commands use. ``run`` holds the steps, ``catalog`` the practice, its
payers and code mix, ``payers`` the X12 files the clearinghouse and payers send back."""
