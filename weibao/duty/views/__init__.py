"""Pages of the duty app, one module per part: rosters, emergencies."""

from .emergency import emergency_home, emergency_plan_detail, incident_detail, incident_print, incident_sign
from .emergency_forms import (
    drill_edit,
    drill_new,
    emergency_new,
    emergency_plan_new,
    emergency_plan_revise,
    incident_edit,
    incident_new,
)
from .remote import remote_act, remote_detail, remote_list, remote_request, remote_system
from .roster import contract_duty, duty_home, feed_renew, ics_feed, plan_detail, shift_swap, swap_decide

__all__ = [
    "contract_duty",
    "drill_edit",
    "drill_new",
    "duty_home",
    "emergency_home",
    "emergency_new",
    "emergency_plan_detail",
    "emergency_plan_new",
    "emergency_plan_revise",
    "feed_renew",
    "ics_feed",
    "incident_detail",
    "incident_edit",
    "incident_new",
    "incident_print",
    "incident_sign",
    "plan_detail",
    "remote_act",
    "remote_detail",
    "remote_list",
    "remote_request",
    "remote_system",
    "shift_swap",
    "swap_decide",
]
