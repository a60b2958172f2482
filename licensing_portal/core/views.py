from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST

from agreements.selectors import licensing_id_list
from licensing_portal.core import services
from licensing_portal.core.forms import BusinessEmailForm, ProfileForm
from licensing_portal.errors import ApplicationError
from licensing_portal.links import redirect_back, safe_next


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "core/landing.html")
    user = request.user
    context = {"business_email_verified": bool(user.verified_business_email)}
    if user.verified_business_email:
        context["licensing_ids"] = list(licensing_id_list(user=user)[:20])
    return render(request, "core/home.html", context)


class ProfileView(LoginRequiredMixin, View):
    template_name = "core/profile.html"

    def get(self, request):
        form = ProfileForm(instance=request.user, require_names=bool(request.GET.get("next")))
        return render(request, self.template_name, {"form": form, "next": request.GET.get("next", "")})

    def post(self, request):
        next_url = request.POST.get("next", "")
        form = ProfileForm(request.POST, instance=request.user, require_names=bool(next_url))
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "next": next_url}, status=400)
        services.profile_update(user=request.user, **{k: form.cleaned_data[k] for k in form.Meta.fields})
        messages.success(request, _("Your profile was saved."))
        return redirect_back(request, "core:profile")


class BusinessEmailView(LoginRequiredMixin, View):
    template_name = "core/business_email.html"

    def get(self, request):
        form = BusinessEmailForm(initial={"business_email": request.user.business_email})
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = BusinessEmailForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        user = services.business_email_start_verification(
            user=request.user, business_email=form.cleaned_data["business_email"]
        )
        if user.verified_business_email:
            messages.success(
                request,
                _("%(email)s is confirmed: you confirmed it when you signed in.") % {"email": user.business_email},
            )
            return redirect("core:home")
        messages.success(
            request,
            _("We sent a validation link to %(email)s. Follow it to see your agreements.")
            % {"email": user.business_email},
        )
        return redirect("core:business_email")


class BusinessEmailConfirmView(LoginRequiredMixin, View):
    """GET shows a confirmation button (mail scanners prefetch links); only the POST confirms (SEC-2)."""

    template_name = "core/business_email_confirm.html"

    def get(self, request, token):
        try:
            services.business_email_check_token(token=token)
        except ApplicationError as exc:
            return render(request, self.template_name, {"error": exc.message}, status=400)
        return render(request, self.template_name, {"token": token})

    def post(self, request, token):
        try:
            services.business_email_confirm(token=token, user=request.user)
        except ApplicationError as exc:
            return render(request, self.template_name, {"error": exc.message}, status=400)
        messages.success(request, _("Your business email is verified."))
        return redirect("core:home")


@login_required
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language switcher also saves the choice to the profile so emails follow it (NOTE-3)."""
    from django.conf import settings

    language = request.POST.get("language", "")
    if language in dict(settings.LANGUAGES):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return HttpResponseRedirect(safe_next(request, "/"))
