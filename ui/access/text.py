"""UI text of sign-in, access and privacy, Chinese first; merged into ui.labels.TEXT. Keys start with auth_."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "auth_title": ("登录", "Sign in"),
    "auth_intro": (
        "本看板含党员和志愿者的个人信息，仅限授权人员在其负责范围内查看。",
        "This dashboard holds personal data of party members and volunteers; authorised staff only, within their area.",
    ),
    "auth_user": ("用户名", "User name"),
    "auth_password": ("密码", "Password"),
    "auth_submit": ("登录", "Sign in"),
    "auth_oidc": ("使用统一身份认证登录", "Sign in with the organisation's account"),
    "auth_oidc_missing": (
        "统一身份认证已配置，但服务器缺少 Authlib 组件，暂不能使用。请联系管理员。",
        "Single sign-on is configured but the server lacks Authlib; ask the administrator.",
    ),
    "auth_wrong": ("用户名或密码不正确。", "Wrong user name or password."),
    "auth_store_unavailable": (
        "暂时无法登录：登录记录无法写入数据库。请稍后再试，或联系管理员。",
        "Sign-in is unavailable: sign-in attempts cannot be recorded in the database. Try again later or ask the administrator.",
    ),
    "auth_locked": (
        "登录失败次数过多，请 {m} 分钟后再试。",
        "Too many failed sign-ins; try again in {m} minutes.",
    ),
    "auth_expired": ("会话已过期，请重新登录。", "Your session has expired; please sign in again."),
    "auth_signed_out": ("已退出登录。", "You have signed out."),
    "auth_sign_out": ("退出登录", "Sign out"),
    "auth_as": ("已登录：{who}（{role}）", "Signed in: {who} ({role})"),
    "auth_scope": ("查看范围：{scope}", "Scope: {scope}"),
    "auth_no_scope": (
        "您的账号（{who}）尚未分配查看范围，因此看不到任何数据。请联系管理员分配街道或社区。",
        "Your account ({who}) has no scope yet, so it sees no data. Ask the administrator to assign one.",
    ),
    "auth_not_registered": (
        "账号 {who} 已通过身份认证，但未在本看板登记，因此看不到任何数据。请联系管理员。",
        "{who} is authenticated but not registered for this dashboard, so it sees no data. Ask the administrator.",
    ),
    "auth_bad_users_file": (
        "用户配置文件有误，暂停所有登录。请管理员检查：{reason}",
        "The users file is invalid; all sign-ins are stopped. Administrator, please check: {reason}",
    ),
    "auth_revoked": (
        "您的账号权限已被管理员收回或更改（或密码已更换），请重新登录。",
        "Your access was withdrawn or changed by the administrator (or your password changed); please sign in again.",
    ),
    "auth_not_configured": (
        "本看板连接的是外部数据库（DATABASE_URL），但尚未配置登录，因此不向任何人开放。请管理员按 docs/access-control.md（访问控制）"
        "配置用户，或在确认其中只有演示数据、无需登录时设置 ERQI_OPEN_DEMO=1。",
        "This dashboard reads an external database (DATABASE_URL) but no sign-in is configured, so it is open to "
        "nobody. Administrator: configure users (docs/access-control.md), or set ERQI_OPEN_DEMO=1 if it holds demo "
        "data only and no sign-in is intended.",
    ),
    "auth_denied": (
        "您无权查看该内容（超出您的查看范围）。",
        "You may not see this (outside your scope).",
    ),
    "auth_outside_scope": (
        "链接参数 {key}={value} 超出您的查看范围，已忽略。",
        "URL parameter {key}={value} is outside your scope and was ignored.",
    ),
    "auth_unsecured": ("未启用登录 · 演示", "No sign-in · demo"),
    "auth_unsecured_help": (
        "未配置用户或统一身份认证：任何能打开此地址的人都能看到全部内容。正式部署请按 docs/access-control.md（访问控制）配置登录。",
        "No users or single sign-on configured: anyone who opens this address sees everything. "
        "See docs/access-control.md before deploying.",
    ),
    "auth_public": ("公开展示模式", "Public screen"),
    "auth_public_help": (
        "仅显示汇总数据：不显示任何人名，少于 {n} 人的数据不显示（—）。",
        "Aggregates only: no personal names; counts of fewer than {n} people are not shown (—).",
    ),
    "auth_names_hidden": (
        "当前模式仅显示汇总数据，不显示个人名单。",
        "This mode shows aggregates only; lists of people are hidden.",
    ),
    "auth_suppressed_note": (
        "少于 {n} 人的数字不显示（—），以免识别到个人。",
        "Counts of fewer than {n} people are not shown (—) so no one can be singled out.",
    ),
    "auth_role_district": ("全区", "district"),
    "auth_role_street": ("街道", "street"),
    "auth_role_community": ("社区", "community"),
    "auth_role_viewer": ("只看汇总", "aggregates only"),
    "auth_role_wall": ("大屏", "wall screen"),
    "auth_role_public": ("公开展示", "public screen"),
    "auth_role_demo": ("演示", "demo"),
}
