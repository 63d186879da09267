import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")

from weibao.core.handlers import Application

application = Application()
