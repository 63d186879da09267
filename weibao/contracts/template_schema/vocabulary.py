"""Vocabularies of the template format: closed sets, each member with its Chinese label (the
ticket states excepted: their labels are the service desk's)."""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    """A string enum whose members also carry a Chinese ``label``."""

    label: str

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class Category(_Labelled):
    """Category of a service term (服务项目类别); a ticket is of one category."""

    consulting = "consulting", "咨询服务"
    fault = "fault", "故障排除"
    change_request = "change_request", "需求变更"
    routine_maintenance = "routine_maintenance", "日常维护"
    data_recovery = "data_recovery", "数据恢复"
    data_adjustment = "data_adjustment", "数据调整"
    special_disaster = "special_disaster", "特殊服务/灾难"
    emergency = "emergency", "紧急情况"
    management_training = "management_training", "管理培训/系统培训"
    maintenance_training = "maintenance_training", "维护培训"
    inspection = "inspection", "巡检服务"
    hotline = "hotline", "热线服务"
    qa = "qa", "问题解答"
    interface_change = "interface_change", "接口改造"
    security_fix = "security_fix", "安全漏洞修复"
    report_maintenance = "report_maintenance", "报表维护"
    other = "other", "其他服务"


class Channel(_Labelled):
    """How a service is delivered (服务方式)."""

    phone = "phone", "电话"
    email = "email", "电子邮件"
    fax = "fax", "传真"
    remote_desktop = "remote_desktop", "远程桌面/网络远程"
    bastion_host = "bastion_host", "医院堡垒机"
    qq = "qq", "QQ"
    wechat = "wechat", "微信"
    onsite = "onsite", "现场"


class TicketState(StrEnum):
    """Ticket states a clock rule may name, by code. Their labels are the service desk's
    (``weibao.servicedesk.choices.TicketState``, which a test keeps to the same codes)."""

    new = "new"
    responded = "responded"
    in_progress = "in_progress"
    onsite_required = "onsite_required"
    onsite = "onsite"
    resolved = "resolved"
    closed = "closed"
    on_hold = "on_hold"
    waiting_hospital = "waiting_hospital"
    reopened = "reopened"
    cancelled = "cancelled"


class DayRule(_Labelled):
    every_day = "every_day", "每天（含节假日）"
    statutory_workdays = "statutory_workdays", "法定工作日"


class Weekday(_Labelled):
    mon = "mon", "周一"
    tue = "tue", "周二"
    wed = "wed", "周三"
    thu = "thu", "周四"
    fri = "fri", "周五"
    sat = "sat", "周六"
    sun = "sun", "周日"


class Party(_Labelled):
    vendor = "vendor", "服务商（乙方）"
    hospital = "hospital", "医院/采购人（甲方）"
    supervisor = "supervisor", "监理"
    auditor = "auditor", "审计"


class Signer(_Labelled):
    """Who signs or countersigns a document."""

    vendor = "vendor", "服务商（乙方）"
    hospital = "hospital", "医院/用户（甲方）"
    hospital_it = "hospital_it", "信息科/信息中心"
    department = "department", "使用科室"
    supervisor = "supervisor", "监理单位"
    auditor = "auditor", "审计单位"


class CadenceKind(_Labelled):
    monthly = "monthly", "每月"
    quarterly = "quarterly", "每季度"
    half_yearly = "half_yearly", "每半年"
    yearly = "yearly", "每年"
    times_per_year = "times_per_year", "每年N次"
    every_n_months = "every_n_months", "每N个月"


class DueRuleKind(_Labelled):
    end_of_period = "end_of_period", "本期末"
    day_of_following_month = "day_of_following_month", "次月N日前"
    days_after_period_end = "days_after_period_end", "期末后N天内"
    after_each_event = "after_each_event", "每次结束后"


class InspectionMode(_Labelled):
    onsite = "onsite", "现场"
    remote = "remote", "远程"
    both = "both", "现场或远程"


class DeliverablePeriod(_Labelled):
    month = "month", "每月"
    quarter = "quarter", "每季度"
    half_year = "half_year", "每半年"
    year = "year", "每年"
    per_event = "per_event", "每次"
    on_request = "on_request", "按要求"


class ObligationKind(_Labelled):
    holiday_duty = "holiday_duty", "节假日保障"
    emergency_plan = "emergency_plan", "应急预案"
    emergency_report = "emergency_report", "应急报告"
    training = "training", "培训"
    backup = "backup", "数据备份"
    restore_test = "restore_test", "数据恢复测试"
    monitoring = "monitoring", "系统监控/远程监测"
    security = "security", "网络安全/等级保护"
    confidentiality = "confidentiality", "保密"
    maintenance_plan = "maintenance_plan", "检查和维护方案"
    adaptation = "adaptation", "适应性/完善性调整"
    optimisation = "optimisation", "系统分析与调优"
    upgrade = "upgrade", "系统升级"
    switchover = "switchover", "新老系统切换"
    feedback = "feedback", "用户反馈收集"
    major_support = "major_support", "重大维护保障配合"
    documentation = "documentation", "维护文档/档案"
    problem_review = "problem_review", "问题登记与讨论整改"
    staffing = "staffing", "人员与资质"
    compliance = "compliance", "合规"
    other = "other", "其他"


class AssessmentPeriod(_Labelled):
    quarter = "quarter", "季度"
    half_year = "half_year", "半年"
    year = "year", "年度"


class OnFailure(_Labelled):
    rectify_then_reassess = "rectify_then_reassess", "整改合格后再考核，付款顺延"
    per_supervisor_and_audit = "per_supervisor_and_audit", "按监理和审计出具报告执行"
    deduct = "deduct", "按扣款规则扣款"


class DeductionKind(_Labelled):
    late_response = "late_response", "响应超时扣款"
    vendor_fault = "vendor_fault", "乙方原因故障扣款"
    failed_period = "failed_period", "考核不合格扣除当期费用"
    breach_penalty = "breach_penalty", "违约金"


class DeductionBase(_Labelled):
    contract_amount = "contract_amount", "合同总额"
    subsystem_amount = "subsystem_amount", "子系统合同金额"
    period_fee = "period_fee", "当期维保费用"


class Payer(_Labelled):
    vendor = "vendor", "乙方"
    either_party = "either_party", "违约方"


class PaymentTrigger(_Labelled):
    on_signing = "on_signing", "合同签订后"
    after_assessment_passed = "after_assessment_passed", "考核合格后"
    after_report_accepted = "after_report_accepted", "报告验收后"
    after_acceptance = "after_acceptance", "验收后"
    at_end = "at_end", "服务期满后"
    at_end_after_audit = "at_end_after_audit", "服务期满经审计后"


class SystemKind(StrEnum):
    PACS = "PACS"
    HIS = "HIS"
    DRG = "DRG"
    EMR = "EMR"
    LIS = "LIS"
    platform = "platform"
    other = "other"


class Protocol(_Labelled):
    hl7v2_mllp = "hl7v2_mllp", "HL7 v2 (MLLP)"
    dicom = "dicom", "DICOM"
    webservice_soap = "webservice_soap", "WebService (SOAP)"
    http_json = "http_json", "HTTP/JSON"
    db_view = "db_view", "数据库视图"
    file = "file", "文件"
    other = "other", "其他"


class Direction(_Labelled):
    outbound = "outbound", "本系统 → 对方"
    inbound = "inbound", "对方 → 本系统"
    both = "both", "双向"
