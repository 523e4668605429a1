"""The Telegram channel: turns updates into flow inputs and screens into messages."""
