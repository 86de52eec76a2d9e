"""Session-state keys, named once so pages and tests agree on them."""

SK_STAFF = "console.staff"
SK_SIGNIN_AUDITED = "console.signin_audited"
SK_DISPLAY_TZ = "console.display_tz"
SK_VIEW_AS = "console.view_as"
SK_VIEW_AS_NOTICE = "console.view_as_notice"
SK_AUTHENTICATOR = "console.authenticator"
