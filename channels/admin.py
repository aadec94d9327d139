from django.contrib import admin

from channels.models import Platform


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
