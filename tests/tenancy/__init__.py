"""Every API route and every page that takes an id refuses another hospital's objects with 404.

One fixture (``world``, built in ``world.py``) makes, for hospital B, an object of every kind any
route can address; hospital A's admin then calls every route. ``test_api.py`` and ``test_pages.py``
walk every route that takes an id: a route added without a case there fails. The other modules hold
the cases a table cannot express (an id in the query string or the form, a page that takes no id).
"""
