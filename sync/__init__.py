"""Sync between the client's encrypted cache and the central CRM gateway."""
