"""Geography: the postcode directory, geocoders behind one interface, boundaries and placement.

No Flask here: the web views, the command line and jobs build these with their own settings.
"""
