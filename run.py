#!/usr/bin/env python3
"""Heard's one entry point: ``python run.py --help``."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
