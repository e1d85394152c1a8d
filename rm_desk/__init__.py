"""RM Desk: an offline-first, encrypted workstation for bank relationship managers."""

__version__ = "0.1.0"
