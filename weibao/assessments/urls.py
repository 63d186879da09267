from django.urls import path

from .views import acts, pages

app_name = "assessments"

urlpatterns = [
    path("assessments/", pages.assessment_list, name="assessment_list"),
    path("assessments/<int:pk>/", pages.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/act/<slug:action>/", acts.assessment_act, name="assessment_act"),
    path("assessments/<int:pk>/termination/", acts.termination, name="termination"),
    path("assessments/<int:pk>/report/", acts.evaluation_report, name="evaluation_report"),
    path("assessments/contract/<int:pk>/", pages.contract_assessments, name="contract"),
    path("assessments/contract/<int:pk>/open/", acts.assessment_open, name="assessment_open"),
    path("assessments/evaluations/<int:pk>/draw/", acts.sample_draw, name="sample_draw"),
    path("assessments/rows/<int:pk>/mark/", acts.sample_mark, name="sample_mark"),
    path("assessments/deductions/<int:pk>/waive/", acts.deduction_waive, name="deduction_waive"),
    path("assessments/milestones/<int:pk>/", acts.milestone_update, name="milestone_update"),
]
