"""Texts of the public tip form in the languages citizens write to us in."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Report a suspicious post",
        "intro": "Seen wildlife, ivory, horn, scales or other animal parts offered for sale "
                 "online? Send us the link. You do not need an account.",
        "url": "Link to the post", "description": "What did you see? (optional)",
        "screenshot": "Screenshot (PNG or JPEG, up to 5 MB, optional)",
        "submit": "Send report",
        "thanks": "Thank you. Your report has been received and will be reviewed.",
        "privacy": "We keep the link, your description and the screenshot; we do not record "
                   "who you are.",
    },
    "fr": {
        "title": "Signaler une annonce suspecte",
        "intro": "Vous avez vu des animaux sauvages, de l'ivoire, de la corne, des écailles "
                 "ou d'autres parties d'animaux à vendre en ligne ? Envoyez-nous le lien. "
                 "Aucun compte n'est nécessaire.",
        "url": "Lien vers l'annonce", "description": "Qu'avez-vous vu ? (facultatif)",
        "screenshot": "Capture d'écran (PNG ou JPEG, 5 Mo maximum, facultatif)",
        "submit": "Envoyer le signalement",
        "thanks": "Merci. Votre signalement a été reçu et sera examiné.",
        "privacy": "Nous conservons le lien, votre description et la capture ; nous "
                   "n'enregistrons pas qui vous êtes.",
    },
    "es": {
        "title": "Denunciar una publicación sospechosa",
        "intro": "¿Ha visto fauna silvestre, marfil, cuerno, escamas u otras partes de "
                 "animales a la venta en internet? Envíenos el enlace. No necesita cuenta.",
        "url": "Enlace a la publicación", "description": "¿Qué vio? (opcional)",
        "screenshot": "Captura de pantalla (PNG o JPEG, hasta 5 MB, opcional)",
        "submit": "Enviar denuncia",
        "thanks": "Gracias. Hemos recibido su denuncia y la revisaremos.",
        "privacy": "Guardamos el enlace, su descripción y la captura; no registramos quién "
                   "es usted.",
    },
    "zh": {
        "title": "举报可疑帖子",
        "intro": "在网上看到出售野生动物、象牙、犀角、穿山甲鳞片或其他动物制品吗？"
                 "请把链接发给我们。无需注册账号。",
        "url": "帖子链接", "description": "您看到了什么？（可选）",
        "screenshot": "截图（PNG 或 JPEG，最大 5 MB，可选）",
        "submit": "提交举报",
        "thanks": "谢谢。我们已收到您的举报，将尽快核查。",
        "privacy": "我们只保存链接、您的描述和截图，不记录您的身份。",
    },
    "vi": {
        "title": "Báo cáo bài đăng đáng ngờ",
        "intro": "Bạn thấy động vật hoang dã, ngà voi, sừng, vảy hoặc bộ phận động vật khác "
                 "được rao bán trên mạng? Hãy gửi đường dẫn cho chúng tôi. Không cần tài khoản.",
        "url": "Đường dẫn đến bài đăng", "description": "Bạn đã thấy gì? (không bắt buộc)",
        "screenshot": "Ảnh chụp màn hình (PNG hoặc JPEG, tối đa 5 MB, không bắt buộc)",
        "submit": "Gửi báo cáo",
        "thanks": "Cảm ơn bạn. Chúng tôi đã nhận được báo cáo và sẽ xem xét.",
        "privacy": "Chúng tôi lưu đường dẫn, mô tả và ảnh chụp; chúng tôi không ghi lại danh "
                   "tính của bạn.",
    },
}
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "zh": "中文",
                  "vi": "Tiếng Việt"}


def pick_language(query_lang: str, accept_language: str) -> str:
    """The form's language: ``?lang=``, else the browser's first supported, else en."""
    if query_lang in TEXTS:
        return query_lang
    for part in accept_language.split(",")[:10]:
        code = part.split(";")[0].strip().lower()[:2]
        if code in TEXTS:
            return code
    return "en"
