"""The staff desk on the web: sign-in, a keyworker's young people, a young person's
page, Seen and replies, live alerts, and the lead's and admin's pages.

Route handlers only read the request and render; what staff may see and do is
decided in ``domain/desk.py``, ``domain/staff.py``, ``domain/staff_auth.py`` and
``safeguarding/taking.py``.
"""
