"""Pure types and rules of the bank's relationship-management domain. No I/O here."""
