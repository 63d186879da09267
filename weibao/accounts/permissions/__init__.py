"""Who may do what to whom: every rule of the form "may this actor do X to Y", in one place.

The visibility rule (:mod:`weibao.core.tenancy`, :mod:`weibao.accounts.visibility`) decides what
a user sees at all; the rules here decide what a user who sees something may do with it. Services
ask these functions (``can_*`` answers a question, ``require_*`` raises ``PermissionDenied`` with
a message for the user); views and API functions only hide buttons with them.

The rules, in words:

* **Organisations.** Platform admins create organisations and administer all of them; a hospital
  admin administers their hospital, a vendor manager their vendor.
* **Users.** An admin administers a user (resets the password, deactivates, unlocks, sees the
  user's page, adds the user to another of their organisations) only when they administer *every*
  organisation the user has ever been a member of. A platform admin (or superuser) is administered
  by platform admins alone, and a user with no membership by nobody else: so a vendor manager can
  never reach the platform admin's account, nor a user of another hospital. An admin therefore adds
  a new person to their organisation by creating the account; an existing account already in
  another organisation cannot be pulled in.
* **Contracts and the inventory** are the hospital's: its admins write them.
* **Auditors** (监理/审计) are read-only. Access is granted to them by the hospital's admins, for
  the hospital or one of its contracts, and only to users holding the auditor role in an
  organisation of the auditor kind.
* **Tickets.** The vendor's people work them and the hospital's IT staff may act for them; the
  reporter, their department and the hospital's admins act for the hospital. Public replies and
  attachments need one of those sides (never an auditor). Managers (the vendor's project manager,
  the hospital's admins) assign others; anyone on the working side may take a ticket themselves.
  Only the contract vendor's people and the hospital's admins may be assigned, and only people who
  may see a ticket are told about it.
* **Assessments and payments** are money (not for department users). The vendor's manager opens
  an assessment and submits the vendor's self-assessment; the evaluation (sample, marks, waivers,
  review, signature, reopening) is the hospital admins' alone. Payment records are the hospital
  admins'; the vendor's manager may enter the invoice number.
* **Endpoint credentials**: the hint of a stored credential (first and last character, length) is
  shown only to those who may change the endpoint, the hospital's admins.

The actor is a :class:`~weibao.accounts.models.User`, the anonymous user of a request, or None
(the system). Targets from the apps above accounts are described by the protocols below (a ticket
has ``hospital_id``, ``contract`` with ``vendor_id``, ``reporter_id`` and ``department_id``; a
contract ``hospital_id`` and ``vendor_id``), so this module imports nothing from those apps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import (
    VENDOR_ROLES,
    ContractLike,
    EndpointLike,
    MfaRequired,
    PasswordChangeRequired,
    SystemLike,
    TicketLike,
    administered_org_ids,
    administers,
    can_act_for_hospital,
    can_add_member,
    can_administer_org,
    can_administer_user,
    can_assign,
    can_assign_others,
    can_create_contracts,
    can_create_org,
    can_edit_calendar,
    can_flag_ticket,
    can_grant_auditor,
    can_import_tickets,
    can_maintain_holidays,
    can_manage_contract,
    can_manage_monitoring,
    can_manage_robots,
    can_move_ticket,
    can_reply_publicly,
    can_report,
    can_revoke_token,
    can_see_credentials,
    can_see_credentials_of_system,
    can_set_severity,
    can_view_user,
    can_work,
    can_work_contract,
    department_only,
    is_auditor,
    is_hospital_admin,
    is_platform_admin,
    is_some_admin,
    is_vendor_manager,
    is_vendor_member,
    may_be_assigned,
    may_be_notified_of_ticket,
    require_administer_org,
    require_administer_user,
    require_create_org,
    require_manage_contract,
    require_reply_publicly,
    require_revoke_token,
    require_some_admin,
    sees_contract_money,
    sees_internal,
    user_org_ids,
)
from .records import (
    can_approve_remote,
    can_attend_training,
    can_check_in,
    can_consent_team_change,
    can_decide_leave,
    can_decide_swap,
    can_do_inspection,
    can_evaluate_assessment,
    can_evaluate_residents,
    can_keep_backup_records,
    can_keep_service_records,
    can_keep_switchover,
    can_manage_document_templates,
    can_manage_duty,
    can_manage_probes,
    can_organise_training,
    can_prepare_assessment,
    can_print_inspection_report,
    can_print_service_report,
    can_produce_deliverables,
    can_propose_team_change,
    can_read_deliverables,
    can_record_invoice,
    can_record_payment,
    can_request_leave,
    can_request_remote,
    can_request_swap,
    can_sign_deliverables,
    can_sign_incident,
    can_sign_inspection,
    can_sign_service_report,
    can_sign_switchover,
    can_write_emergency,
    can_write_service_report,
    may_stand_duty,
    require_do_inspection,
    require_manage_duty,
    require_print_inspection_report,
    require_write_emergency,
    require_write_service_report,
    template_hospital_ids,
    works_the_service,
)

if TYPE_CHECKING:
    from .base import Actor as Actor

__all__ = [
    "VENDOR_ROLES",
    "ContractLike",
    "EndpointLike",
    "MfaRequired",
    "PasswordChangeRequired",
    "SystemLike",
    "TicketLike",
    "administered_org_ids",
    "administers",
    "can_act_for_hospital",
    "can_add_member",
    "can_administer_org",
    "can_administer_user",
    "can_approve_remote",
    "can_assign",
    "can_assign_others",
    "can_attend_training",
    "can_check_in",
    "can_consent_team_change",
    "can_create_contracts",
    "can_create_org",
    "can_decide_leave",
    "can_decide_swap",
    "can_do_inspection",
    "can_edit_calendar",
    "can_evaluate_assessment",
    "can_evaluate_residents",
    "can_flag_ticket",
    "can_grant_auditor",
    "can_import_tickets",
    "can_keep_backup_records",
    "can_keep_service_records",
    "can_keep_switchover",
    "can_maintain_holidays",
    "can_manage_contract",
    "can_manage_document_templates",
    "can_manage_duty",
    "can_manage_monitoring",
    "can_manage_probes",
    "can_manage_robots",
    "can_move_ticket",
    "can_organise_training",
    "can_prepare_assessment",
    "can_print_inspection_report",
    "can_print_service_report",
    "can_produce_deliverables",
    "can_propose_team_change",
    "can_read_deliverables",
    "can_record_invoice",
    "can_record_payment",
    "can_reply_publicly",
    "can_report",
    "can_request_leave",
    "can_request_remote",
    "can_request_swap",
    "can_revoke_token",
    "can_see_credentials",
    "can_see_credentials_of_system",
    "can_set_severity",
    "can_sign_deliverables",
    "can_sign_incident",
    "can_sign_inspection",
    "can_sign_service_report",
    "can_sign_switchover",
    "can_view_user",
    "can_work",
    "can_work_contract",
    "can_write_emergency",
    "can_write_service_report",
    "department_only",
    "is_auditor",
    "is_hospital_admin",
    "is_platform_admin",
    "is_some_admin",
    "is_vendor_manager",
    "is_vendor_member",
    "may_be_assigned",
    "may_be_notified_of_ticket",
    "may_stand_duty",
    "require_administer_org",
    "require_administer_user",
    "require_create_org",
    "require_do_inspection",
    "require_manage_contract",
    "require_manage_duty",
    "require_print_inspection_report",
    "require_reply_publicly",
    "require_revoke_token",
    "require_some_admin",
    "require_write_emergency",
    "require_write_service_report",
    "sees_contract_money",
    "sees_internal",
    "template_hospital_ids",
    "user_org_ids",
    "works_the_service",
]
