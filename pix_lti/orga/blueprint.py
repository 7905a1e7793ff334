"""URLs of the Orga pages. Every route but the organisation chooser carries ``org_id`` and is wrapped by
``access.orga_route`` inside its view module."""

from flask import Blueprint

from pix_lti.orga import (
    accounts_views,
    activity,
    analysis_views,
    campaigns_views,
    exports,
    home,
    imports,
    members,
    results,
)

bp = Blueprint("orga", __name__, url_prefix="/orga", template_folder="templates", static_folder="static",
               static_url_path="/static-orga")

bp.add_url_rule("", view_func=home.index, endpoint="index")
bp.add_url_rule("/<int:org_id>", view_func=home.organisation, endpoint="organisation")
bp.add_url_rule("/<int:org_id>/campagnes", view_func=campaigns_views.campaign_list, endpoint="campaigns")
bp.add_url_rule("/<int:org_id>/campagnes/nouvelle", view_func=campaigns_views.new_campaign, methods=["GET", "POST"],
                endpoint="new_campaign")
bp.add_url_rule("/<int:org_id>/profils-cibles/nouveau", view_func=campaigns_views.new_target_profile,
                methods=["GET", "POST"], endpoint="new_target_profile")
bp.add_url_rule("/<int:org_id>/campagnes/<int:campaign_id>", view_func=campaigns_views.campaign_page,
                endpoint="campaign")
bp.add_url_rule("/<int:org_id>/campagnes/<int:campaign_id>/archiver", view_func=campaigns_views.archive,
                methods=["POST"], endpoint="archive")
bp.add_url_rule("/<int:org_id>/campagnes/<int:campaign_id>/desarchiver", view_func=campaigns_views.unarchive,
                methods=["POST"], endpoint="unarchive")
bp.add_url_rule("/<int:org_id>/campagnes/<int:campaign_id>/activite", view_func=activity.activity,
                endpoint="activity")
bp.add_url_rule("/<int:org_id>/campagnes/<int:campaign_id>/analyse", view_func=analysis_views.campaign_analysis,
                endpoint="analysis")
bp.add_url_rule("/<int:org_id>/campagnes/<int:campaign_id>/participants/<int:participation_id>",
                view_func=results.participant, endpoint="participant")
bp.add_url_rule("/<int:org_id>/campagnes/<int:campaign_id>/export.csv", view_func=exports.campaign_csv,
                endpoint="export")
bp.add_url_rule("/<int:org_id>/eleves", view_func=imports.learners, endpoint="learners")
bp.add_url_rule("/<int:org_id>/eleves/import", view_func=imports.import_learners, methods=["GET", "POST"],
                endpoint="import_learners")
bp.add_url_rule("/<int:org_id>/eleves/comptes", view_func=accounts_views.class_accounts, methods=["GET", "POST"],
                endpoint="class_accounts")
bp.add_url_rule("/<int:org_id>/eleves/<int:learner_id>/mot-de-passe", view_func=accounts_views.reset_password,
                methods=["POST"], endpoint="reset_password")
bp.add_url_rule("/<int:org_id>/membres", view_func=members.members_page, endpoint="members")
bp.add_url_rule("/<int:org_id>/membres/<int:membership_id>/role", view_func=members.set_role, methods=["POST"],
                endpoint="set_role")
bp.add_url_rule("/<int:org_id>/membres/<int:membership_id>/retirer", view_func=members.remove, methods=["POST"],
                endpoint="remove_member")
bp.add_url_rule("/<int:org_id>/invitations", view_func=members.invite, methods=["POST"], endpoint="invite")
bp.add_url_rule("/<int:org_id>/invitations/<int:invitation_id>/desactiver", view_func=members.revoke,
                methods=["POST"], endpoint="revoke_invitation")
bp.add_url_rule("/invitation/<token>", view_func=members.invitation, methods=["GET", "POST"], endpoint="invitation")


@bp.context_processor
def _orga_context() -> dict[str, object]:
    from flask import g

    return {"orga_context": g.get("orga_context")}
