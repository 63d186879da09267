"""The built-in calendars. Their meaning is fixed: contract templates and acceptance cases use them."""

OFFICE_HOURS = [["08:00", "12:00"], ["14:00", "18:00"]]

BUILTIN_CALENDARS = [
    {
        "code": "7x24",
        "name": "7×24 小时",
        "day_rule": "every_day",
        "weekly": {str(d): [["00:00", "24:00"]] for d in range(7)},
        "note": "全年无休，任何时刻都计时。",
    },
    {
        "code": "7x8",
        "name": "7×8 小时（每天 08:00–12:00、14:00–18:00，含节假日）",
        "day_rule": "every_day",
        "weekly": {str(d): OFFICE_HOURS for d in range(7)},
        "note": "每天（含法定节假日）上午 8–12 点、下午 2–6 点。",
    },
    {
        "code": "5x8",
        "name": "5×8 小时（法定工作日 08:00–12:00、14:00–18:00）",
        "day_rule": "statutory_workdays",
        "weekly": {str(d): OFFICE_HOURS for d in range(5)},
        "note": "法定工作日（周一至周五，节假日除外，含调休上班日）上午 8–12 点、下午 2–6 点。",
    },
]
