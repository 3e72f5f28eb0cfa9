"""Sign-in and scope: the sign-in gate in front of every page (gate) and its texts (text)."""
