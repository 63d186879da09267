"""URL configuration: each app contributes its pages and its API router."""

from django.urls import include, path

from weibao.accounts.api import router as accounts_router
from weibao.assessments.api import router as assessments_router
from weibao.audit.api import router as audit_router
from weibao.calendars.api import router as calendars_router
from weibao.contracts.api import router as contracts_router
from weibao.core.api import api
from weibao.duty.api import router as duty_router
from weibao.inspections.api import router as inspections_router
from weibao.notifications.api import router as notifications_router
from weibao.probes.api import router as probes_router
from weibao.records.api import router as records_router
from weibao.records.api_meetings import router as meetings_router
from weibao.records.api_switchover import router as switchover_router
from weibao.reports.api import router as reports_router
from weibao.residency.api import router as residency_router
from weibao.servicedesk.api import router as servicedesk_router
from weibao.training.api import router as training_router

# The busiest routes first: Django tries URL patterns in order.
api.add_router("", servicedesk_router)
api.add_router("", accounts_router)
api.add_router("", audit_router)
api.add_router("", calendars_router)
api.add_router("", contracts_router)
api.add_router("", notifications_router)
api.add_router("", probes_router)
api.add_router("", inspections_router)
api.add_router("", assessments_router)
api.add_router("", reports_router)
api.add_router("", residency_router)
api.add_router("", training_router)
api.add_router("", records_router)
api.add_router("", meetings_router)
api.add_router("", switchover_router)
api.add_router("", duty_router)

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("weibao.core.urls")),
    path("", include("weibao.accounts.urls")),
    path("", include("weibao.audit.urls")),
    path("", include("weibao.calendars.urls")),
    path("", include("weibao.contracts.urls")),
    path("", include("weibao.notifications.urls")),
    path("", include("weibao.documents.urls")),
    path("", include("weibao.servicedesk.urls")),
    path("", include("weibao.probes.urls")),
    path("", include("weibao.inspections.urls")),
    path("", include("weibao.assessments.urls")),
    path("", include("weibao.reports.urls")),
    path("", include("weibao.residency.urls")),
    path("", include("weibao.training.urls")),
    path("", include("weibao.records.urls")),
    path("", include("weibao.duty.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler400 = "weibao.core.views.bad_request"
handler403 = "weibao.core.views.permission_denied"
handler404 = "weibao.core.views.page_not_found"
handler500 = "weibao.core.views.server_error"
