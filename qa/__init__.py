"""Extractive question answering over news articles, with citations and exact offsets."""

__version__ = "0.1.0"
