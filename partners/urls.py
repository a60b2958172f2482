from django.urls import path

from licensing_portal import converters  # noqa: F401  <pk:...> in URLs (SEC-9)
from partners import partner_access_views, views

app_name = "partners"
urlpatterns = [
    path("", views.index, name="index"),
    path("acting-for/", views.partner_switch, name="switch"),
    path("open-license/add/", views.open_license_add, name="open_license_add"),
    path("access/<pk:pk>/deny/<str:token>/", views.access_deny, name="access_deny"),
    path("staff/orders/new/", views.order_record, name="order_record"),
    path("orders/new/", views.order_create, name="order_create"),
    path("agreements/select/", views.agreement_select, name="agreement_select"),
    path("relationship-summary/", views.relationship_summary, name="relationship_summary"),
    path("relationship-summary/<pk:pk>/", views.license_detail, name="license_detail"),
    path("open-license/register/", views.license_register, name="license_register"),
    path("olp-partners/register/", views.olp_register, name="olp_register"),
    path("customers/", views.customers, name="customers"),
    path("customers/invite/", views.relationship_invite, name="relationship_invite"),
    path("relationships/accept/<str:token>/", views.relationship_accept, name="relationship_accept"),
    path("relationships/<pk:pk>/support-contacts/", views.support_contact_add, name="support_contact_add"),
    path("support-contacts/<pk:pk>/remove/", views.support_contact_remove, name="support_contact_remove"),
    path("my-partners/", views.customer_partners, name="customer_partners"),
    path("relationships/<pk:pk>/administrators/", views.relationship_admin, name="relationship_admin"),
    path("relationships/<pk:pk>/remove/", views.relationship_remove, name="relationship_remove"),
    # RES-8..10 role-scoped, time-bound partner access
    path("partner-access/", partner_access_views.partner_access_page, name="partner_access"),
    path("relationships/<pk:pk>/extend/", partner_access_views.relationship_extend, name="relationship_extend"),
    path("relationships/<pk:pk>/end/", partner_access_views.relationship_end, name="relationship_end"),
    path(
        "relationships/<pk:pk>/extension/",
        partner_access_views.relationship_extension_request,
        name="relationship_extension_request",
    ),
    path(
        "relationships/<pk:pk>/extension/decide/",
        partner_access_views.relationship_extension_decide,
        name="relationship_extension_decide",
    ),
    path("people/", views.people, name="people"),
    path("people/<pk:pk>/remove/", views.person_remove, name="person_remove"),
    path("people/invitations/<pk:pk>/revoke/", views.person_invitation_revoke, name="person_invitation_revoke"),
    path("people/join/<str:token>/", views.person_accept, name="person_accept"),
]
