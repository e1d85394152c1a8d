"""Qt item models over the services' domain objects."""
