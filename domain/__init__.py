"""What Heard does, with no channel in sight: check-ins and what they set off,
acknowledgements, linking and invitation codes, staff accounts and sign-in, the desk's
rules of who sees what, handover, KPIs, strips, reminders, the audit log.

Functions here take a session (the caller's unit of work) and return facts; they never
draw a screen or a page. ``flows/`` and the channels call them.
"""
