"""The reference central CRM gateway and its `rm-desk-central` admin command."""
