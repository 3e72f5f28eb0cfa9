"""The big screens: the briefing wall (wall, pages/briefing.py), the kiosk rotation (kiosk) and its
playlist (playlist)."""
