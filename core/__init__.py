"""The foundation every other package stands on: configuration, the clock,
translations, small text helpers. Imports nothing of Heard."""
