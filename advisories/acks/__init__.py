"""Acknowledgements without a login: signed answer links in alerts (links), the web endpoint
that records them (server, pages), and what a recorded answer does to the next alert (decide).

Kept free of imports here: config.py reads [web] through acks.settings.
"""
