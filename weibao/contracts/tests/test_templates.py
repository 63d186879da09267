"""The five seed templates, table by table.

The expected rows below are written from the seed documents (/work/shared/seeds/00*.txt), not
from the YAML files: each test spells out what the seed's tables say and compares it with what
the shipped template loads to.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from weibao.contracts.template_loader import (
    get_template,
)

from .template_rows import deliverable_rows, inspection_rows, payment_rows, rows, severity_rows, target_text

# --------------------------------------------------------------------------------------------


PHONE_REMOTE_ONSITE = ("phone", "remote_desktop", "onsite")
ALL_001 = ("phone", "email", "remote_desktop", "qq", "wechat", "onsite")
REMOTE_001 = ("phone", "email", "remote_desktop", "qq", "wechat")
REMOTE_003 = ("phone", "email", "remote_desktop", "qq")


# --------------------------------------------------------------------------------------------
# seed 000 — 惠州市中大惠亚医院 PACS
# --------------------------------------------------------------------------------------------


def test_seed_000_service_table():
    t = get_template("pacs-huizhou")
    assert t.period_months == 12
    assert t.amount is None  # the seed states no amount
    assert set(t.channels) >= {"phone", "email", "remote_desktop", "onsite"}
    # 序号, 服务项目, category, 服务方式 (one merged cell: 电话、远程及现场),
    # 响应 / 到场 / 解决, escalation "电话、远程无法处理的问题应于24小时内到现场解决";
    # 五、响应时间: software faults on site within 4 h when the phone cannot solve them, fixed
    # within 24 h; rows 9–12 have blank response cells.
    assert rows(t) == [
        (1, "咨询服务", "consulting", PHONE_REMOTE_ONSITE, "1h@7x24", None, None, "24h@7x24"),
        (2, "故障排除", "fault", PHONE_REMOTE_ONSITE, "1h@7x24", None, "24h@7x24", "4h@7x24"),
        (3, "需求变更", "change_request", PHONE_REMOTE_ONSITE, "2h@7x24", None, None, "24h@7x24"),
        (4, "日常维护", "routine_maintenance", PHONE_REMOTE_ONSITE, "1h@7x24", None, None, "24h@7x24"),
        (5, "数据恢复", "data_recovery", PHONE_REMOTE_ONSITE, "1h@7x24", None, None, "24h@7x24"),
        (6, "数据调整", "data_adjustment", PHONE_REMOTE_ONSITE, "1h@7x24", None, None, "24h@7x24"),
        (7, "特殊服务", "special_disaster", PHONE_REMOTE_ONSITE, "immediate@7x24", None, None, "4h@7x24"),
        (8, "系统培训", "management_training", PHONE_REMOTE_ONSITE, "appointment@5x8", None, None, None),
        # Blank response cells in the seed: no target (11 and 12 are within the 7×24 window).
        (9, "维护培训", "maintenance_training", PHONE_REMOTE_ONSITE, None, None, None, None),
        (10, "巡检服务", "inspection", ("onsite",), None, None, None, None),
        (11, "热线服务", "hotline", PHONE_REMOTE_ONSITE, None, None, None, "24h@7x24"),
        (12, "问题解答", "qa", PHONE_REMOTE_ONSITE, None, None, None, "24h@7x24"),
        (13, "接口改造", "interface_change", PHONE_REMOTE_ONSITE, None, None, None, None),
    ]
    # ▲ marks rows 1–5 (and ★1.8 the interface promise)
    assert [term.mark for term in t.service_terms] == ["▲"] * 5 + [None] * 7 + ["★"]
    assert [term.response_text for term in t.service_terms[:8]] == [
        "1小时内响应",
        "1小时内响应",
        "2小时内响应",
        "1小时内响应",
        "1小时内响应",
        "1小时内响应",
        "立即响应",
        "法定工作日立即响应并预约时间处理",
    ]
    assert t.term(2).content == "软件应用过程中出现功能错误，协助查找、排除软件故障，保证系统功能正常运行。"
    assert t.term(5).content == "因操作不当或其它原因导致系统中数据丢失，协助医院系统维护人员恢复数据。"


def test_seed_000_inspections_deliverables_assessment_payment():
    t = get_template("pacs-huizhou")
    assert inspection_rows(t) == [
        (
            "every_n_months",
            6,
            "onsite",
            ("检查系统模块运行情况", "与医院维护人员沟通", "提供常见问题的解决办法"),
            "巡检报告",
            ("after_each_event", None),
            ("vendor", "hospital_it"),
        )
    ]
    assert t.obligations.inspections[0].cadence.per_year() == 2
    assert deliverable_rows(t) == [
        ("季度维保服务记录单", "quarter", ("end_of_period", None), False),
        ("季度维保巡检报告", "quarter", ("end_of_period", None), False),
    ]
    quarterly, half = t.assessments
    assert (quarterly.period.value, half.period.value) == ("quarter", "half_year")
    assert quarterly.requires_deliverables == ["quarterly-service-record", "quarterly-inspection-report"]
    assert half.on_failure.value == "rectify_then_reassess"
    assert payment_rows(t) == [
        (Fraction(1, 2), "after_assessment_passed", "half-yearly", (1,), False, True, None, None),
        (Fraction(1, 2), "after_assessment_passed", "half-yearly", (2,), False, True, None, None),
    ]
    kinds = {o.kind.value for o in t.obligations.items}
    assert {"holiday_duty", "emergency_plan", "emergency_report", "backup", "security", "training"} <= kinds
    security = next(o for o in t.obligations.items if o.kind.value == "security")
    assert security.mlps_level == 2


def test_seed_000_inventory():
    t = get_template("pacs-huizhou")
    (pacs,) = t.inventory.systems
    assert pacs.kind.value == "PACS"
    assert [m.name for m in pacs.modules] == [
        "登记工作站软件",
        "多媒体排队叫号软件",
        "放射影像读片报告双屏工作站软件",
        "超声医生工作站软件",
        "内镜医生工作站软件",
        "病理医生工作站软件",
        "统计报表管理软件",
        "综合权限管理软件",
        "临床PACS浏览软件",
        "PACS和HIS系统数据交换接口程序",
        "PACS和体检系统数据交换接口程序",
        "PACS和全民健康信息平台系统数据交换接口程序",
        "PACS和检查检验互认平台系统数据交换接口程序",
        "PACS和医院分诊叫号系统数据交换接口程序",
        "云胶片系统软件",
    ]
    assert [i.peer for i in t.inventory.interfaces] == [
        "HIS",
        "体检系统",
        "全民健康信息平台",
        "检查检验互认平台",
        "医院分诊叫号系统",
    ]


# --------------------------------------------------------------------------------------------
# seed 001 — 广西中医药大学第一附属医院 PACS（东葛、仙葫）
# --------------------------------------------------------------------------------------------


def test_seed_001_service_table():
    t = get_template("pacs-guangxi")
    assert rows(t) == [
        (1, "咨询服务", "consulting", ALL_001, "1h@7x24", None, None, "untimed"),
        (2, "故障排除", "fault", ALL_001, "1h@7x24", None, None, "untimed"),
        (3, "需求变更", "change_request", ALL_001, "2h@7x24", None, None, "untimed"),
        (4, "日常维护", "routine_maintenance", ALL_001, "1h@7x24", None, None, "untimed"),
        (5, "数据恢复", "data_recovery", ALL_001, "1h@7x24", None, None, "untimed"),
        (6, "数据调整", "data_adjustment", ALL_001, "1h@7x24", None, None, "untimed"),
        (7, "特殊服务", "special_disaster", ALL_001, "immediate@7x24", None, None, "untimed"),
        (8, "管理培训", "management_training", ("onsite",), "appointment@5x8", None, None, None),
        (9, "维护培训", "maintenance_training", ("onsite",), "appointment@5x8", None, None, None),
        (10, "巡检服务", "inspection", ("onsite",), "appointment@5x8", None, None, None),
        # "法定工作日" is a service window, not a deadline.
        (11, "热线服务", "hotline", REMOTE_001, None, None, None, None),
        (12, "问题解答", "qa", REMOTE_001, None, None, None, None),
    ]
    assert [term.group for term in t.service_terms] == ["功能应用维护"] * 4 + ["数据维护"] * 3 + [
        "其他服务"
    ] * 5
    assert [term.response_text for term in t.service_terms] == [
        "1小时内响应",
        "1小时内响应",
        "2小时内响应",
        "1小时内响应",
        "1小时内响应",
        "1小时内响应",
        "立即响应",
        "法定工作日预约",
        "法定工作日预约",
        "法定工作日预约",
        "法定工作日",
        "法定工作日",
    ]
    assert [term.mode_text for term in t.service_terms[7:]] == ["甲方现场"] * 3 + [
        "电话、电子邮箱、远程桌面、QQ、微信"
    ] * 2
    assert t.term(1).escalate_onsite.text == "在确认故障且远程诊断无法解决问题时，提供现场维护"


def test_seed_001_inspection_and_inventory():
    t = get_template("pacs-guangxi")
    assert inspection_rows(t) == [
        (
            "every_n_months",
            6,
            "onsite",
            ("检查系统模块运行情况", "与甲方维护人员沟通", "提供常见问题的解决办法"),
            "巡检报告",
            ("after_each_event", None),
            ("vendor", "hospital_it"),
        )
    ]
    assert t.payment_milestones == [] and t.assessments == []  # the seed states neither
    (pacs,) = t.inventory.systems
    assert pacs.campuses == ["东葛", "仙葫"]
    assert [(m.group, m.name) for m in pacs.modules] == [
        ("前台", "登记预约系统"),
        ("前台", "分诊叫号系统"),
        ("前台", "图文报告系统"),
        ("前台", "临床浏览系统"),
        ("前台", "统计系统"),
        ("前台", "光盘刻录系统"),
        ("前台", "自助排队系统"),
        ("前台", "权限管理系统"),
        ("后台", "设备工作列表通讯系统"),
        ("后台", "图像接收系统"),
        ("后台", "图像归档系统"),
        ("后台", "自动更接系统"),
    ]
    assert {i.protocol.value for i in t.inventory.interfaces} == {"dicom"}


# --------------------------------------------------------------------------------------------
# seed 002 — HIS, 3 years, 294万
# --------------------------------------------------------------------------------------------


def test_seed_002_service_items():
    t = get_template("his-3y")
    assert t.amount == Decimal("2940000")
    assert t.period_months == 36
    remote = ("phone", "bastion_host", "onsite")
    assert "remote_desktop" not in t.channels  # remote service only through the hospital's bastion host
    # 维保服务内容 (1)–(15), then 维保服务要求 (2) 7x24报修 and (3) 培训服务.
    expected_categories = [
        "routine_maintenance",  # (1) 调整、测试、维护，及时修改系统BUG
        "fault",  # (2) 紧急情况下故障排除
        "interface_change",  # (3) 第三方原因的接口调整，免费
        "report_maintenance",  # (4) 数据报表
        "change_request",  # (5) 客户化需求扩展、修改
        "change_request",  # (6) 客户化修改时的软件测试
        "routine_maintenance",  # (7) 异常错误登记备案、讨论整改
        "emergency",  # (8) 紧急情况立即安排工程师
        "interface_change",  # (9) 每年免费接口调整
        "change_request",  # (10) 新增软件需要HIS改造，另行协商费用
        "interface_change",  # (11) 院外新增系统对接，另行协商费用
        "security_fix",  # (12) 实时响应网络安全问题，修复安全漏洞
        "routine_maintenance",  # (13) 配合数据库运维
        "interface_change",  # (14) 数据库视图形式接口的数据上报
        "other",  # (15) 评级评审
        "hotline",  # 维保服务要求(2) 7x24小时报修服务
        "management_training",  # 维保服务要求(3) 培训服务
    ]
    assert [term.category.value for term in t.service_terms] == expected_categories
    targets = {
        term.number: (
            target_text(term.response),
            target_text(term.onsite),
            target_text(term.resolution),
            term.escalate_onsite and term.escalate_onsite.compact(),
        )
        for term in t.service_terms
        if term.response or term.onsite or term.resolution or term.escalate_onsite
    }
    assert targets == {
        1: ("30m@7x24", None, None, None),
        2: ("30m@7x24", None, None, "4h@7x24"),
        8: ("immediate@7x24", None, None, "4h@7x24"),
        12: ("immediate@7x24", None, None, None),
        16: ("30m@7x24", None, None, "4h@7x24"),
        17: ("appointment@hospital-hours", None, None, None),
    }
    assert [term.number for term in t.service_terms if term.separately_paid] == [10, 11]
    assert all(term.channels == list(remote) for term in t.service_terms[:16])
    assert t.term(12).content.startswith("（12）对部署在内外网的医院信息系统（HIS）")


def test_seed_002_residency_inspection_assessment_payment():
    t = get_template("his-3y")
    res = t.obligations.residency
    assert (res.min_count, res.min_experience_years, res.calendar) == (2, 1, "hospital-hours")
    assert res.leave_requires_approval and res.hospital_evaluates and res.hospital_may_replace
    assert res.replacement_requires_consent
    hours = t.calendar("hospital-hours")
    assert hours.day_rule.value == "statutory_workdays"
    assert inspection_rows(t) == [
        ("monthly", None, "onsite", (), "巡检报告", ("day_of_following_month", 10), ("vendor", "hospital_it"))
    ]
    (half,) = t.assessments
    assert half.period.value == "half_year"
    (rule,) = half.deductions
    assert (rule.kind.value, rule.base.value, rule.percent, rule.terminates_contract) == (
        "failed_period",
        "period_fee",
        Decimal(100),
        True,
    )
    assert payment_rows(t) == [
        (Fraction(1, 6), "after_assessment_passed", "half-yearly", (k,), False, False, None, 3)
        for k in range(1, 7)
    ]


# --------------------------------------------------------------------------------------------
# seed 003 — 武汉市中心医院 DRG
# --------------------------------------------------------------------------------------------


def test_seed_003_service_table():
    t = get_template("drg-wuhan")
    assert rows(t) == [
        (1, "咨询服务", "consulting", REMOTE_003, "12h@7x24", None, None, None),
        (2, "日常维护", "routine_maintenance", REMOTE_003, "12h@7x24", None, None, None),
        (3, "紧急情况", "emergency", ("onsite",), "2h@7x24", "2h@7x24", "4h@7x24", None),
        (4, "需求变更", "change_request", REMOTE_003, "12h@7x24", None, "3wd@5x8", None),
        (5, "数据恢复", "data_recovery", (*REMOTE_003, "onsite"), "2h@7x24", None, None, None),
        (6, "数据调整", "data_adjustment", (*REMOTE_003, "onsite"), "12h@7x24", None, None, None),
        (7, "特殊服务", "special_disaster", (*REMOTE_003, "onsite"), "immediate@7x24", None, None, None),
        (8, "维护培训", "maintenance_training", ("onsite",), "appointment@5x8", None, None, None),
        (9, "巡检服务", "inspection", ("onsite", "remote_desktop"), "appointment@5x8", None, None, None),
        # 总体要求(3): 1小时内响应，紧急情况下2小时内安排技术工程师上门服务
        (
            10,
            "软件故障上门解决、排除服务",
            "fault",
            ("phone", "fax", "email", "remote_desktop", "onsite"),
            "1h@7x24",
            None,
            None,
            "2h@7x24",
        ),
    ]
    assert [term.response_text for term in t.service_terms[:9]] == [
        "12小时内响应",
        "12小时内响应",
        "2小时内响应",
        "12小时内响应",
        "2小时内响应",
        "12小时内响应",
        "立即响应",
        "法定工作日预约",
        "法定工作日预约",
    ]


def test_seed_003_severities():
    t = get_template("drg-wuhan")
    assert severity_rows(t) == [
        (
            "fatal",
            "致命错误（Fatal）",
            "能够引起系统停机或中断的错误",
            "1h@7x24",
            None,
            "2h@7x24",
            "研究解决方法并力争尽快解决，最长不得超过2个小时",
        ),
        (
            "serious",
            "严重错误（Serious）",
            "对系统运行有较大影响，但不致导致系统停机或无法使用的错误",
            "2h@7x24",
            None,
            None,
            "尽快修正，或提交Service Pack",
        ),
        (
            "minor",
            "一般错误（Minor）",
            "对系统运行有影响，但不妨碍系统正常运行的错误",
            "4h@7x24",
            None,
            None,
            "以Service Pack修正",
        ),
    ]
    assert t.clock_rules.response.text == "响应时间——自甲方向乙方发出书面报告错误之时起计。"
    assert t.clock_rules.response.paused_in == []


def test_seed_003_inspections_and_quarterly_deliverables():
    t = get_template("drg-wuhan")
    assert inspection_rows(t) == [
        (
            "times_per_year",
            2,
            "both",
            ("检查系统模块运行情况", "与客户维护人员沟通", "提供常见问题的解决办法"),
            "巡检报告",
            ("after_each_event", None),
            ("department", "hospital_it"),
        )
    ]
    quarterly = ("end_of_period", None)
    assert deliverable_rows(t) == [
        ("巡检报告", "quarter", quarterly, False),
        ("系统应用效果评价报告", "quarter", quarterly, False),
        ("需求沟通会议纪要", "quarter", quarterly, True),
        ("需求变更改造清单", "quarter", quarterly, True),
        ("用户培训记录", "quarter", quarterly, True),
        ("系统调优记录", "quarter", quarterly, True),
    ]
    report = t.obligations.service_report
    assert (report.copies, [s.value for s in report.signed_by]) == (2, ["department", "hospital_it"])
    kinds = [o.kind.value for o in t.obligations.items]
    for kind in ("backup", "restore_test", "switchover", "major_support", "confidentiality", "optimisation"):
        assert kind in kinds
    major = next(o for o in t.obligations.items if o.kind.value == "major_support")
    assert major.notice == "5wd"


def test_seed_003_grading_deductions_payment_renewal():
    t = get_template("drg-wuhan")
    q = t.assessment("quarterly")
    assert q.period.value == "quarter"
    assert [(g.label, g.min_percent) for g in q.grading.grades] == [
        ("优秀", 100),
        ("良好", 90),
        ("合格", 80),
        ("不合格", 0),
    ]
    grade = q.grading.grade_for
    assert grade(Decimal(100)).label == "优秀"
    assert grade(Decimal("99.9")).label == "良好"
    assert grade(Decimal(90)).label == "良好"
    assert grade(Decimal("89.99")).label == "合格"
    assert grade(Decimal(80)).label == "合格"
    assert grade(Decimal("79.9")).label == "不合格"
    assert grade(Decimal(100), adverse_event=True).label == "不合格"  # 恶性事件 → 不合格
    late, fault = q.deductions
    assert (late.kind.value, late.threshold, late.clock, late.percent, late.base.value) == (
        "late_response",
        "1h",
        "response",
        Decimal(1),
        "contract_amount",
    )
    assert (fault.kind.value, fault.base.value, fault.by_severity) == (
        "vendor_fault",
        "subsystem_amount",
        {"fatal": Decimal(5), "serious": Decimal(3), "minor": Decimal(1)},
    )
    assert q.on_failure.value == "per_supervisor_and_audit"
    (breach,) = t.penalties
    assert (breach.kind.value, breach.percent, breach.every, breach.cap_percent, breach.payer.value) == (
        "breach_penalty",
        Decimal(1),
        "5wd",
        Decimal(10),
        "either_party",
    )
    assert payment_rows(t) == [
        (Fraction(3, 10), "on_signing", None, (), False, True, "10wd", None),
        (Fraction(3, 10), "after_assessment_passed", "quarterly", (1, 2), True, True, "10wd", None),
        (Fraction(2, 5), "at_end_after_audit", "quarterly", (1, 2, 3, 4), True, True, "10wd", None),
    ]
    assert (t.renewal.max_times, t.renewal.assessment) == (2, "annual")
    assert t.amount == Decimal(44000)


# --------------------------------------------------------------------------------------------
# seed 004 — 镇海区 regional platform
# --------------------------------------------------------------------------------------------


def test_seed_004_service_rows_and_severities():
    t = get_template("regional-zhenhai")
    assert t.amount == Decimal(695000)
    assert rows(t) == [
        (1, "基本维护要求", "routine_maintenance", ("remote_desktop", "onsite"), None, None, None, None),
        (2, "巡检服务", "inspection", ("onsite",), None, None, None, None),
        (3, "常规电话支持服务", "hotline", ("phone", "remote_desktop"), None, None, None, None),
        (4, "紧急电话支持服务", "emergency", ("phone",), None, None, None, None),
        (5, "上门服务响应时间", "fault", PHONE_REMOTE_ONSITE, None, None, None, None),
        (6, "设立远程服务系统", "routine_maintenance", ("phone", "remote_desktop"), None, None, None, None),
        (7, "培训服务", "maintenance_training", ("onsite",), "appointment@5x8", None, None, None),
    ]
    assert [(line.code, line.calendar) for line in t.support_lines] == [
        ("regular-7x8", "7x8"),
        ("emergency-7x24", "7x24"),
    ]
    assert "30%" in t.support_lines[1].scope
    assert severity_rows(t) == [
        (
            "level1",
            "一级故障",
            "当软件发生故障使用户无法正常使用时",
            "2h@7x24",
            "2h@7x24",
            "24h@7x24",
            "查出故障原因，制定解决办法",
        ),
        (
            "level2",
            "二级故障",
            "当软件发生故障但不影响具体业务时",
            "2h@7x8",
            None,
            None,
            "与用户协商具体解决办法",
        ),
    ]


def test_seed_004_inspection_report_payment_inventory():
    t = get_template("regional-zhenhai")
    assert inspection_rows(t) == [
        (
            "times_per_year",
            4,
            "onsite",
            ("系统运行状态检查", "情况检查", "问题和需求汇总", "现场技术沟通", "相关应用培训"),
            "巡检报告",
            ("after_each_event", None),
            ("hospital",),
        )
    ]
    report = t.obligations.service_report
    assert report.name == "售后服务报告" and [s.value for s in report.signed_by] == ["hospital"]
    assert any(o.kind.value == "monitoring" for o in t.obligations.items)
    assert payment_rows(t) == [
        (Fraction(1, 2), "on_signing", None, (), False, False, "7wd", None),
        (Fraction(1, 2), "at_end", None, (), False, False, None, None),
    ]
    assert t.assessments == []
    assert [(s.name, s.kind.value) for s in t.inventory.systems] == [
        ("区域健康档案浏览器", "platform"),
        ("门诊电子病历平台", "EMR"),
        ("住院电子病历平台", "EMR"),
        ("区域电子健康档案协同", "platform"),
        ("健康档案质控管理", "platform"),
        ("平台资源管理中心", "platform"),
        ("区域门诊转诊系统", "platform"),
        ("区域检查转诊系统", "platform"),
        ("区域住院转诊系统", "platform"),
        ("区域卫生信息数据资源中心", "platform"),
        ("区域信息交换共享平台", "platform"),
        ("区域临检系统", "LIS"),
        ("慢性病传染病监测管理平台", "platform"),
        ("卫生综合管理与决策支持平台", "platform"),
    ]
    exchange = next(s for s in t.inventory.systems if s.code == "exchange-platform")
    assert [m.name for m in exchange.modules] == [
        "中心临床诊疗信息交换共享管理系统",
        "数据交换服务总线ESB",
        "消息服务MQ",
        "公共卫生数据标准与接口服务",
    ]
