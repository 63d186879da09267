"""Pages of the assessments: :mod:`.pages` shows, :mod:`.acts` takes the forms' POSTs."""
