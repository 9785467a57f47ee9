"""Vocabularies of explosive ordnance risk education (IMAS 12.10), as stable codes with labels."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Method(models.TextChoices):
    """How the message reached people. The first five meet people face to face and count attendees."""

    GROUP_SESSION = "group_session", _("Face-to-face group session")
    INDIVIDUAL = "individual", _("Face-to-face, one person or household")
    COMMUNITY_LIAISON = "community_liaison", _("Community liaison meeting")
    TRAINING_OF_TRAINERS = "training_of_trainers", _("Training of trainers")
    SCHOOL_LESSON = "school_lesson", _("School lesson")
    MASS_MEDIA = "mass_media", _("Mass media (radio, TV, billboards)")
    DIGITAL_MEDIA = "digital_media", _("Digital media (social media, messaging)")
    PRINTED_MATERIALS = "printed_materials", _("Printed materials (leaflets, posters)")


# Methods that reach an audience nobody counts one by one: an estimate, never added to the reach.
INDIRECT_METHODS = {Method.MASS_MEDIA, Method.DIGITAL_MEDIA, Method.PRINTED_MATERIALS}


class TargetGroup(models.TextChoices):
    CHILDREN = "children", _("Children")
    ADOLESCENTS = "adolescents", _("Adolescents")
    ADULTS = "adults", _("Adults")
    IDPS_RETURNEES = "idps_returnees", _("Internally displaced people and returnees")
    FARMERS_HERDERS = "farmers_herders", _("Farmers and herders")
    FORESTRY_COLLECTORS = "collectors", _("People collecting wood, food or scrap")
    TRAVELLERS = "travellers", _("Travellers and drivers")
    TEACHERS_TRAINERS = "teachers_trainers", _("Teachers and community trainers")
    HUMANITARIAN_STAFF = "humanitarian_staff", _("Humanitarian staff")
    GENERAL_PUBLIC = "general_public", _("General public")


class AgeBand(models.TextChoices):
    """Sex-and-age-disaggregated bands as operators report them: children, adolescents, adults, elderly."""

    CHILD = "0-11", _("0–11")
    ADOLESCENT = "12-17", _("12–17")
    ADULT = "18-59", _("18–59")
    ELDERLY = "60+", _("60 and over")
    UNKNOWN = "unknown", _("Unknown")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    UNKNOWN = "unknown", _("Unknown")
