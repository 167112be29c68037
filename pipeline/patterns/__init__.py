"""Heuristic tables the stages read: patterns, phrase lists, date formats.

Each module holds one stage's heuristics so a reviewer reads them in one place.
"""
