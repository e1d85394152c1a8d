"""A deterministic, seeded demo bank for the client's local store and the central
gateway's seeder. Pure generation: no I/O, no database."""

from rm_desk.demo.bank import DemoBank, DemoChunk, generate_bank
from rm_desk.demo.frame import Locale

__all__ = ["DemoBank", "DemoChunk", "Locale", "generate_bank"]
