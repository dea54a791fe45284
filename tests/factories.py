"""Factories. Children take their site from their parent, so test data never straddles sites."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from lead.models import User
from referrals.models import Referral
from sites.models import Site
from sites.roles import Pathway, Role
from sites.services import membership_grant

PASSWORD = "correct-horse-battery-staple"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Test County {n}")
    slug = factory.Sequence(lambda n: f"test-{n}")
    county = factory.LazyAttribute(lambda o: f"{o.name} County")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        if self.password and not extracted:
            return  # an existing user fetched again keeps its password (and its sessions)
        self.set_password(extracted or PASSWORD)
        if create:
            self.save()
            EmailAddress.objects.update_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


def member(site: Site, role: str = Role.CASE_MANAGER, **user_fields) -> User:
    """A user with ``role`` at ``site`` (through the real membership service)."""
    user = UserFactory(**user_fields)
    membership_grant(user=user, site=site, role=role, by=None)
    return user


class ReferralFactory(factory.django.DjangoModelFactory):
    """A social-contact referral; pass ``site`` (and ``submitted_by`` from the same site)."""

    class Meta:
        model = Referral

    site = factory.SubFactory(SiteFactory)
    number = factory.Sequence(lambda n: f"TST-2026-{n:04d}")
    pathway = Pathway.SOCIAL_CONTACT
    first_name = "Jordan"
    last_name = factory.Sequence(lambda n: f"Example{n}")
    estimated_age = 40
    contact_reason = "Sleeping in the doorway of the library most nights."
