"""Feelings cards: the deck, its drawings, the choosing sheet and the keyworker's mood strip."""
