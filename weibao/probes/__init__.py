"""Probes: automatic checks of a hospital's systems (DICOM, HL7, HTTP, TLS, SQL, backups).

The checks themselves are in :mod:`weibao.probes.runners`, a package without Django; ``weibao
probes check`` runs one of them once as a Nagios plugin.
"""
