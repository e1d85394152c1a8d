"""Use cases shared by the desktop UI and the command line.

Each returns domain objects plus a `Changes` set that views use to decide whether
to refresh (the idea of Anki's OpChanges).
"""
