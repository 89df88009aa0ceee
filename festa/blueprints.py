"""One blueprint per area of the product, registered in one place."""

from flask import Flask

from festa import cli, errors, observability, security
from festa.api import register_api
from festa.auditlog.views import bp as audit_manage_bp
from festa.auth.manage_views import bp as staff_manage_bp
from festa.auth.token_views import bp as tokens_bp
from festa.auth.views import bp as auth_bp
from festa.badges.manage_views import bp as badges_manage_bp
from festa.checkin import devices as checkin_devices
from festa.checkin import privacy as checkin_privacy
from festa.checkin.manage_views import bp as checkin_manage_bp
from festa.checkin.views import bp as door_bp
from festa.core import cache as render_cache
from festa.core import lookups
from festa.core.views import bp as core_bp
from festa.manage.views import bp as manage_bp
from festa.opendata.manage_views import bp as opendata_manage_bp
from festa.opendata.views import bp as opendata_bp
from festa.outbox import mail as outbox_mail
from festa.outbox import metrics as outbox_metrics
from festa.outbox import worker as outbox_worker
from festa.outbox.manage_views import bp as outbox_manage_bp
from festa.program import programme_listener, programme_version, schedule_cache
from festa.program.views import bp as program_bp
from festa.registration import attendee, retention
from festa.registration import guards as registration_guards
from festa.registration import mail as registration_mail
from festa.registration import notices as registration_notices
from festa.registration.answer_views import bp as answers_bp
from festa.registration.attendee_views import bp as bookmarks_bp
from festa.registration.manage_views import bp as registration_manage_bp
from festa.registration.questions.manage_views import bp as questions_manage_bp
from festa.registration.views import bp as registration_bp
from festa.tickets.views import bp as tickets_bp
from festa.webhooks import services as webhooks
from festa.webhooks.manage_views import bp as webhooks_manage_bp


def register(app: Flask) -> None:
    for bp in (core_bp, auth_bp, program_bp, registration_bp, tickets_bp, manage_bp, door_bp):
        app.register_blueprint(bp)
    app.register_blueprint(staff_manage_bp)
    app.register_blueprint(audit_manage_bp)
    app.register_blueprint(outbox_manage_bp)
    app.register_blueprint(checkin_manage_bp)
    app.register_blueprint(registration_manage_bp)
    app.register_blueprint(bookmarks_bp)
    app.register_blueprint(answers_bp)
    app.register_blueprint(questions_manage_bp)
    app.register_blueprint(badges_manage_bp)
    for bp in (opendata_bp, opendata_manage_bp, webhooks_manage_bp, tokens_bp):
        app.register_blueprint(bp)
    register_api(app)
    errors.init_app(app)
    observability.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    render_cache.init_app(app)
    lookups.init_app(app)
    programme_version.init_app(app)
    programme_listener.init_app()
    schedule_cache.register_personal_check(attendee.browses_as_attendee)
    outbox_mail.init_app(app)
    registration_mail.init_app(app)
    webhooks.init_app(app)
    checkin_devices.init_app(app)
    registration_guards.init_app(app)
    outbox_worker.init_app(app)
    outbox_metrics.init_app(app)
    registration_notices.init_app(app)
    checkin_privacy.init_app(app)
    retention.init_app(app)
