"""Safeguarding: noticing that a young person may be unsafe, telling an adult at
once and making sure someone takes it, and showing the young person who they can
contact right now."""
