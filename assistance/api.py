"""REST doors onto victim-assistance referrals: parse → access → action or query → render.

Referrals are personal data throughout: only personal-data roles for the casualty's organisation see
them (others get an empty list, or 404 as for a missing one), and every referral shown leaves a
personal_data.read audit row (who, when, which referral, the request as the why).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import access, audit
from assistance import actions, statistics
from assistance.models import Need, Referral, ReferralOutcome, ReferralUpdate
from clearground.api.pagination import IdCursorPagination
from core.errors import NotFoundOrNoAccess, Problem, ValidationFailed

REFERRAL_FIELDS = ["referral.needs", "referral.service", "referral.provider", "referral.outcome", "referral.notes"]
CREATE_FIELDS = {"casualty", "needs", "service", "provider", "referred_on", "notes"}
FOLLOW_UP_FIELDS = {"outcome", "on", "note", "service_started_on"}


class ReferralUpdateSerializer(serializers.ModelSerializer[ReferralUpdate]):
    by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)
    # Plain strings: the referral's `outcome` already names this choice set in the schema.
    from_outcome = serializers.CharField(read_only=True)
    to_outcome = serializers.CharField(read_only=True)

    class Meta:
        model = ReferralUpdate
        fields = ("from_outcome", "to_outcome", "on", "by", "at", "note")


class ReferralSerializer(serializers.ModelSerializer[Referral]):
    created_by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)
    updates = ReferralUpdateSerializer(many=True, read_only=True)
    needs = serializers.ListField(child=serializers.ChoiceField(choices=Need.choices), read_only=True)
    # A plain string: "outcome" already names the casualty's choice set (OutcomeEnum) in the schema.
    outcome = serializers.CharField(read_only=True, help_text=", ".join(ReferralOutcome.values))

    class Meta:
        model = Referral
        fields = ("id", "casualty", "needs", "service", "provider", "referred_on", "service_started_on", "closed_on",
                  "outcome", "notes", "created_by", "created_at", "updates")  # fmt: skip


class ReferralCreateSerializer(serializers.Serializer[Any]):
    """The request body of a referral (checked by assistance.actions.refer_casualty, every problem at once)."""

    casualty = serializers.IntegerField()
    needs = serializers.ListField(child=serializers.ChoiceField(choices=Need.choices))
    service = serializers.CharField()
    provider = serializers.CharField(help_text="The organisation providing the service (name)")
    referred_on = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True)


class FollowUpSerializer(serializers.Serializer[Any]):
    """The request body of a follow-up (checked by assistance.actions.record_referral_outcome)."""

    outcome = serializers.CharField(help_text=", ".join(ReferralOutcome.values))  # checked by the action
    on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True)
    service_started_on = serializers.DateField(required=False, allow_null=True)


def _body(request: Request, known: set[str]) -> tuple[dict[str, Any], list[Problem]]:
    """The known fields of a JSON object body, and a problem for each unknown one (listed with the action's)."""
    if not isinstance(request.data, dict):
        raise ValidationFailed([Problem("", "send a JSON object")])
    unknown = sorted(set(request.data) - known)
    return {k: request.data[k] for k in known if k in request.data}, [
        Problem(k, "is not a field of this request") for k in unknown
    ]


class ReferralViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[Referral]):
    """Victim-assistance referrals (IMAS 13.10), for personal-data roles only; every read audited."""

    serializer_class = ReferralSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[Referral]:
        qs = access.referrals_for(self.request.user).select_related("created_by").prefetch_related("updates__by")
        params = self.request.query_params
        problems = []
        if params.get("casualty"):
            if params["casualty"].isdigit():
                qs = qs.filter(casualty_id=int(params["casualty"]))
            else:
                problems.append(Problem("casualty", "must be a casualty id"))
        if params.get("outcome"):
            outcomes = params["outcome"].split(",")
            problems += [Problem("outcome", f"'{o}' is not one of {', '.join(ReferralOutcome.values)}")
                         for o in outcomes if o not in ReferralOutcome.values]  # fmt: skip
            qs = qs.filter(outcome__in=outcomes)
        if problems:
            raise ValidationFailed(problems)
        return qs

    def get_object(self) -> Any:
        access.access_referral(self.request.user, self.kwargs["pk"])
        return self.get_queryset().get(pk=self.kwargs["pk"])

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        rows = args[0] if args else []
        rows = list(rows) if isinstance(rows, (list, QuerySet)) else [rows]
        shown = [r for r in rows if isinstance(r, Referral)]
        if shown:
            audit.record_personal_read(self.request.user, shown, fields=REFERRAL_FIELDS,
                                       why=f"API {self.request.method} {self.request.path}")  # fmt: skip
        return ReferralSerializer(*args, **kwargs)

    def _render(self, referral: Referral, status: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=referral.pk)
        return Response(self.get_serializer(fresh).data, status=status)

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Refer a casualty to a service (IM officers of the casualty's organisation or of the authority)."""
        data, unknown = _body(request, CREATE_FIELDS)
        referral = actions.refer_casualty(
            acting_user=request.user,
            casualty=data.get("casualty"),
            needs=data.get("needs") or [],
            service=data.get("service", ""),
            provider=data.get("provider", ""),
            referred_on=data.get("referred_on", ""),
            notes=data.get("notes", ""),
            problems=unknown,
        )
        return self._render(referral, 201)

    @extend_schema(request=FollowUpSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request: Request, pk: str) -> Response:
        """Record a follow-up: the outcome on a day, with a note; a closing outcome closes the referral."""
        referral = access.access_referral(request.user, pk)
        data, unknown = _body(request, FOLLOW_UP_FIELDS)
        actions.record_referral_outcome(
            referral,
            acting_user=request.user,
            outcome=data.get("outcome", ""),
            on=data.get("on", ""),
            note=data.get("note", ""),
            service_started_on=data.get("service_started_on"),
            problems=unknown,
        )
        return self._render(referral)


@extend_schema(responses={200: dict})
@api_view(["GET"])
def referral_statistics(request: Request) -> Response:
    """Referrals by need and by outcome, for the national authority's members; cells of 1–4 suppressed."""
    if not access.may_read_national_reports(request.user):
        raise NotFoundOrNoAccess("Referral statistics are kept by the national authority.")
    return Response(statistics.referral_statistics())
