"""What an audit record's action code (``ticket.respond``, ``auth.login``) means, in words: the
log keeps the code, people read "工单：响应". Apps name their own moves with
:func:`register_action_labels`; the rest is a noun and a verb."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

NOUNS: dict[str, Promise] = {
    "access_grant": _("审计授权"),
    "api_token": _("API 令牌"),
    "audit": _("审计日志"),
    "auth": _("登录"),
    "calendar": _("工作日历"),
    "campus": _("院区"),
    "change_request": _("需求变更"),
    "contract": _("合同"),
    "data_change": _("数据变更"),
    "department": _("科室"),
    "membership": _("成员"),
    "notification": _("通知"),
    "organization": _("机构"),
    "permission": _("权限"),
    "robot": _("群机器人"),
    "service_term": _("服务项目"),
    "session": _("会话"),
    "severity": _("故障等级"),
    "statutory": _("法定节假日"),
    "ticket": _("工单"),
    "user": _("用户"),
}

VERBS: dict[str, Promise] = {
    "activate": _("启用"),
    "add": _("添加"),
    "archived": _("归档"),
    "attachment": _("上传附件"),
    "create": _("新建"),
    "deactivate": _("停用"),
    "delete": _("删除"),
    "denied": _("拒绝访问"),
    "exception_delete": _("删除例外日"),
    "exception_set": _("设置例外日"),
    "expired": _("超时结束"),
    "grant": _("授权"),
    "import": _("导入"),
    "keyed": _("启用密钥签名"),
    "login": _("登录"),
    "logout": _("退出"),
    "mfa_disable": _("关闭两步验证"),
    "mfa_enrol": _("启用两步验证"),
    "mfa_failed": _("两步验证失败"),
    "mfa_recovery_regenerate": _("重新生成恢复码"),
    "mfa_recovery_used": _("使用恢复码"),
    "mfa_reset": _("重置两步验证"),
    "note": _("内部备注"),
    "password_change": _("修改密码"),
    "password_reset": _("重置密码"),
    "preferences": _("修改接收设置"),
    "refused": _("拒绝"),
    "reply": _("回复"),
    "request": _("申请"),
    "revoke": _("吊销"),
    "test": _("测试发送"),
    "unlock": _("解除锁定"),
    "unwatch": _("取消关注"),
    "update": _("修改"),
    "watch": _("关注"),
}

#: Where noun and verb would read badly.
EXACT: dict[str, Promise] = {
    "auth.login": _("登录"),
    "auth.logout": _("退出登录"),
    "session.expired": _("会话超时结束"),
    "permission.denied": _("拒绝访问"),
    "audit.keyed": _("审计日志启用密钥签名"),
    "audit.archived": _("审计日志归档"),
    "statutory.import": _("导入法定节假日"),
}

_registered: dict[str, Promise | str] = dict(EXACT)


def register_action_labels(labels: Mapping[str, Promise | str]) -> None:
    """Let an app name its own actions (e.g. the service desk its ticket moves)."""
    _registered.update(labels)


def action_label(code: str) -> str:
    """``ticket.respond`` → 工单：响应; a code nobody named is shown as it is."""
    if code in _registered:
        return str(_registered[code])
    noun, _dot, verb = code.partition(".")
    if noun in NOUNS and verb in VERBS:
        return gettext("%(noun)s：%(verb)s") % {"noun": NOUNS[noun], "verb": VERBS[verb]}
    return code


def codes_labelled(text: str) -> set[str]:
    """The action codes whose words contain ``text`` (the audit list's filter: 登录, 工单, 重置)."""
    codes = set(_registered) | {f"{noun}.{verb}" for noun in NOUNS for verb in VERBS}
    return {code for code in codes if text in action_label(code)}
