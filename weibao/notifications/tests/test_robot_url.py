"""The robot address is parsed once, checked, and rebuilt; only https to an allowed host."""

from __future__ import annotations

import pytest

from weibao.notifications.senders import RobotURLError, robot_host_allowed, robot_url


@pytest.fixture(autouse=True)
def _hosts(settings):
    settings.WEIBAO_ROBOT_HOSTS = ["qyapi.weixin.qq.com", "oapi.dingtalk.com", "relay.intranet:8443", "::1"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "scheme"),
        ("ftp://qyapi.weixin.qq.com/x", "scheme"),
        ("https:///x", "scheme"),
        ("https://127.0.0.1:8021\\@qyapi.weixin.qq.com/x", "characters"),
        ("https://qyapi.weixin.qq.com\\.evil.test/x", "characters"),
        ("https://user:pw@qyapi.weixin.qq.com/x", "netloc"),
        ("https://evil.test@qyapi.weixin.qq.com/x", "netloc"),
        ("https://qyapi.weixin.qq.com%2eevil.test/x", "netloc"),
        ("https://qyapi.weixin.qq.com /x", "characters"),
        ("https://qyapi.weixin.qq.com/x\n", "characters"),
        ("https://qyapi.weixin.qq.com/x\t", "characters"),
        ("https://qyapi.weixin.qq.com\x00.evil.test/x", "characters"),
        ("https://ｑyapi.weixin.qq.com/x", "characters"),
        ("https://qyapi.weixin.qq.com.evil.test/x", "host"),
        ("https://qyapi.weixin.qq.com:99999/x", "host"),
        ("https://relay.intranet/x", "host"),  # allowed only on its port
        ("https://qyapi_weixin.qq.com/x", "host"),
        ("https://" + "a" * 2000, "length"),
        ("", "empty"),
    ],
)
def test_refused(url, reason):
    with pytest.raises(RobotURLError) as info:
        robot_url(url)
    assert info.value.reason == reason
    assert not robot_host_allowed(url)


@pytest.mark.parametrize(
    ("url", "rebuilt"),
    [
        (
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
        ),
        (
            "HTTPS://QYAPI.weixin.qq.com/cgi-bin/webhook/send?key=abc#frag",
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
        ),
        (
            "https://oapi.dingtalk.com:443/robot/send?access_token=t",
            "https://oapi.dingtalk.com:443/robot/send?access_token=t",
        ),
        ("https://relay.intranet:8443", "https://relay.intranet:8443/"),
        ("https://[::1]:9000/x", "https://[::1]:9000/x"),
    ],
)
def test_accepted_and_rebuilt(url, rebuilt):
    assert robot_url(url) == rebuilt
