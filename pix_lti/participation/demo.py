"""Demo campaigns: ready-made public target profiles (one per domain, one trans-competence "fin de 3e") and, in the demo
school, an assessment campaign with a fixed code and stages plus a profiles collection. Idempotent."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.assessment import catalogs
from pix_lti.content.engine_bridge import ContentNotLoaded
from pix_lti.demo import DEMO_UAI, DemoSummary
from pix_lti.identity.models import Organisation, User
from pix_lti.orga import campaigns
from pix_lti.orga.models import Campaign, CampaignType, TargetProfile

DEMO_PACK = "crcn-demo"
DEMO_CAMPAIGN_CODE = "CRCDEM356"
DEMO_COLLECTION_CODE = "CRCPRF478"
DOMAIN_LEVEL = 4
END_OF_COLLEGE_LEVEL = 3

# "Fin de 3e": one or two everyday topics per competence, across the five domains, up to level 3.
END_OF_COLLEGE_TUBES = (
    "@motsClesRecherche", "@fiabiliteInformation", "@arborescenceFichiers", "@extensionsFichiers", "@tableurReferences",
    "@courrielDestinataires", "@droitImage", "@visibilitePublication", "@droitsDocumentPartage", "@identiteNumerique",
    "@stylesTitres", "@formatsImage", "@licencesCreativeCommons", "@algoSequences", "@algoBoucles",
    "@motDePasse", "@hameconnage", "@donneesPersonnelles", "@reglagesConfidentialite", "@cyberharcelement",
    "@santeEcrans", "@raccourcisClavier", "@systemesExploitation",
)

DOMAIN_NAMES = {
    "1": "Information et données", "2": "Communication et collaboration", "3": "Création de contenu",
    "4": "Protection et sécurité", "5": "Environnement numérique",
}

DEMO_STAGES = (
    (0, "Premiers pas", "Vous découvrez ces compétences : les tutoriels proposés pendant le test sont un bon début."),
    (30, "En chemin", "Vous avez des bases solides sur plusieurs sujets ; continuez à pratiquer."),
    (50, "Bien engagé", "Vous maîtrisez la moitié des compétences du parcours."),
    (70, "Confirmé", "Vous maîtrisez l'essentiel des compétences attendues en fin de collège."),
    (90, "Expert", "Bravo : vous maîtrisez presque toutes les compétences du parcours."),
)

LANDING_TEXT = (
    "Bonjour à toutes et à tous,\n\n"
    "Ce parcours fait le point sur vos compétences numériques avant la fin du collège.\n"
    "Il dure environ 30 minutes ; vous pouvez le faire en plusieurs fois.\n\n"
    "Répondez seuls, sans chercher les réponses sur Internet : il n'y a pas de note, seulement un bilan pour vous "
    "aider à progresser. À la fin, cliquez sur « J'envoie mes résultats »."
)


def _ensure_content(session: Session) -> bool:
    """The demo pack must be loaded (the content feature normally does it; load it here if it has not)."""
    try:
        catalogs.full_catalog(session, DEMO_PACK)
        return True
    except ContentNotLoaded:
        folder = Path(current_app.config["PIX_SETTINGS"].content_dir) / DEMO_PACK
        if not folder.is_dir():
            return False
        from pix_lti.content.loader import load_pack_folder

        load_pack_folder(session, folder)
        session.flush()
        return True


def _public_profile(session: Session, name: str, description: str, tubes: dict[str, int]) -> TargetProfile:
    existing = session.scalar(select(TargetProfile).where(TargetProfile.name == name, TargetProfile.pack_key == DEMO_PACK,
                                                          TargetProfile.is_public.is_(True)))
    if existing is not None:
        return existing
    return campaigns.create_target_profile(session, name=name, pack_key=DEMO_PACK, tubes=tubes, description=description,
                                           is_public=True)


def ready_made_profiles(session: Session) -> dict[str, TargetProfile]:
    """One profile per domain (its tubes up to level 4) and the trans-competence "fin de 3e" (up to level 3)."""
    catalog = catalogs.full_catalog(session, DEMO_PACK)
    tubes_by_domain: dict[str, dict[str, int]] = {}
    for skill in catalog.skills:
        if skill.active and skill.level <= DOMAIN_LEVEL:
            tubes_by_domain.setdefault(skill.competence.split(".")[0], {})[skill.tube] = DOMAIN_LEVEL
    profiles = {}
    for domain, tubes in sorted(tubes_by_domain.items()):
        title = DOMAIN_NAMES.get(domain, domain)
        profiles[domain] = _public_profile(
            session, f"Domaine {domain} – {title} (niveaux 1 à {DOMAIN_LEVEL})",
            f"Tous les sujets du domaine « {title} », jusqu'au niveau {DOMAIN_LEVEL}.", tubes)
    known = set(catalog.tubes)
    profiles["3e"] = _public_profile(
        session, f"Fin de 3e – les cinq domaines (niveaux 1 à {END_OF_COLLEGE_LEVEL})",
        "Un parcours trans-compétences : les sujets du quotidien des cinq domaines, jusqu'au niveau 3.",
        {tube: END_OF_COLLEGE_LEVEL for tube in END_OF_COLLEGE_TUBES if tube in known})
    return profiles


def _campaign(session: Session, code: str, school: Organisation, **kw: object) -> Campaign:
    existing = session.scalar(select(Campaign).where(Campaign.code == code))
    if existing is not None:
        return existing
    return campaigns.create_campaign(session, school, code=code, **kw)  # type: ignore[arg-type]


def load_demo_campaigns(session: Session, summary: DemoSummary) -> None:
    school = session.scalar(select(Organisation).where(Organisation.uai == DEMO_UAI))
    if school is None or not _ensure_content(session):
        summary.lines.append("Demo campaigns: skipped (no demo school or no demo content pack)")
        return
    profiles = ready_made_profiles(session)
    owner = session.scalar(select(User).where(User.username == "referent.demo"))
    assessment = _campaign(session, DEMO_CAMPAIGN_CODE, school, title="Bilan numérique de fin de 3e",
                           type=CampaignType.ASSESSMENT, target_profile=profiles["3e"], landing_text=LANDING_TEXT,
                           multiple_sendings=True, owner=owner, stages=DEMO_STAGES)
    collection = _campaign(session, DEMO_COLLECTION_CODE, school, title="Collecte des profils – 3e B",
                           type=CampaignType.PROFILES_COLLECTION, owner=owner,
                           landing_text="Envoyez votre profil de compétences à votre professeur principal.",
                           external_id_label="Numéro d'élève")
    summary.lines.append(f"Ready-made target profiles: {len(profiles)} (one per domain, one \"fin de 3e\")")
    summary.lines.append(f"Demo campaigns: {assessment.code} (test with stages, multiple sendings), "
                         f"{collection.code} (profiles collection, asks a student number)")
    summary.urls.append((f"/campagnes/{assessment.code}", "demo campaign (log in as a student)"))
    summary.urls.append((f"/campagnes/{collection.code}", "demo profiles collection"))
    summary.urls.append(("/campagnes", "join a campaign by code"))
