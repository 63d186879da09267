from django.apps import AppConfig


class ProbesConfig(AppConfig):
    name = "weibao.probes"
    label = "probes"
    verbose_name = "探针"
