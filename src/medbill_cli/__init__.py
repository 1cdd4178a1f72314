"""medbill: a command-line revenue-cycle toolkit for physician practices."""

__version__ = "0.1.0"
