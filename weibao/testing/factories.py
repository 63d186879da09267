"""factory_boy factories for organisations, users and memberships."""

from __future__ import annotations

import factory
from django.utils import timezone

from weibao.accounts.choices import OrgKind, Role
from weibao.accounts.models import Campus, Department, Membership, Organization, User

PASSWORD = "Test-Passw0rd!"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试医院{n}")
    short_code = factory.Sequence(lambda n: f"H{n:04d}")
    kind = OrgKind.HOSPITAL


class HospitalFactory(OrganizationFactory):
    kind = OrgKind.HOSPITAL


class VendorFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"测试厂商{n}")
    short_code = factory.Sequence(lambda n: f"V{n:04d}")
    kind = OrgKind.VENDOR


class AuditorOrgFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"测试监理{n}")
    short_code = factory.Sequence(lambda n: f"A{n:04d}")
    kind = OrgKind.AUDITOR


class PlatformOrgFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"平台{n}")
    short_code = factory.Sequence(lambda n: f"P{n:04d}")
    kind = OrgKind.PLATFORM


class CampusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campus

    hospital = factory.SubFactory(HospitalFactory)
    name = factory.Sequence(lambda n: f"院区{n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    hospital = factory.SubFactory(HospitalFactory)
    name = factory.Sequence(lambda n: f"科室{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    must_change_password = False
    password_changed_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(HospitalFactory)
    role = Role.HOSPITAL_ADMIN


def member(organization: Organization, role: str, department: Department | None = None, **user_kw) -> User:
    """A new user with one membership of ``role`` in ``organization``."""
    user = UserFactory(**user_kw)
    if role == Role.DEPARTMENT_USER and department is None:
        department = DepartmentFactory(hospital=organization)
    MembershipFactory(user=user, organization=organization, role=role, department=department)
    return user
