"""The service desk benchmark (``bench/servicedesk_bench.py`` is its command)."""
