import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from standards.models import KSB, Duty, Standard

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StandardFactory(DjangoModelFactory):
    class Meta:
        model = Standard

    reference = factory.Sequence(lambda n: f"ST{9000 + n:04d}")
    title = factory.Sequence(lambda n: f"Test occupation {n}")
    version = "1.0"
    level = 4
    typical_duration_months = 24
    status = "Approved for delivery"
    route = "Digital"


class KSBFactory(DjangoModelFactory):
    class Meta:
        model = KSB

    standard = factory.SubFactory(StandardFactory)
    kind = KSB.Kind.KNOWLEDGE
    number = factory.Sequence(lambda n: n + 1)
    description = factory.Faker("sentence", nb_words=12)


class DutyFactory(DjangoModelFactory):
    class Meta:
        model = Duty
        skip_postgeneration_save = True

    standard = factory.SubFactory(StandardFactory)
    number = factory.Sequence(lambda n: n + 1)
    description = factory.Faker("sentence", nb_words=15)

    @factory.post_generation
    def ksbs(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.ksbs.set(extracted)


def make_standard(*, knowledge=3, skills=2, behaviours=1, duties=2, **fields):
    """A standard with the given numbers of K, S, B and duties; every duty draws on every KSB."""
    standard = StandardFactory(**fields)
    ksbs = []
    for kind, count in (("K", knowledge), ("S", skills), ("B", behaviours)):
        ksbs += [KSBFactory(standard=standard, kind=kind, number=n) for n in range(1, count + 1)]
    for number in range(1, duties + 1):
        DutyFactory(standard=standard, number=number, ksbs=ksbs)
    return standard
