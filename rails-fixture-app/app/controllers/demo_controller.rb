# frozen_string_literal: true

# The end-to-end app of bin/serve: a Rails side that shares a login with an Express app through
# the session cookie. Ordinary Rails code only; what matters is the cookies it writes and accepts.
class DemoController < ApplicationController
  # What a generated 5.2+ app has (default_protect_from_forgery); stated here so that every
  # load_defaults behaves the same: a bad or missing token raises, and the app answers 422.
  protect_from_forgery with: :exception
  skip_forgery_protection only: %i[sign_in set_flash sign_out whoami form]

  rescue_from ActionController::InvalidAuthenticityToken do
    render plain: "invalid authenticity token", status: :unprocessable_entity
  end

  # POST /sign_in (user_id=…): what a login does — session[:user_id], Devise/Warden's key
  # ([[id], salt]), a flash notice — then a redirect, as in a real sign-in.
  def sign_in
    id = Integer(params.fetch(:user_id, 42))
    session[:user_id] = id
    session["warden.user.user.key"] = [[id], "$2a$12$abcdefghijklmnopqrstuv"]
    flash[:notice] = "Signed in successfully."
    redirect_to "/whoami"
  end

  # GET /whoami: the session as Rails read it, and the flash (which this request consumes).
  def whoami
    render json: { session: Rcc::RailsReads.convert(session.to_hash.except("flash")), flash: flash.to_hash }
  end

  # GET /form: a masked CSRF token for this session, as a form would embed it.
  def form
    render json: { authenticity_token: form_authenticity_token }
  end

  # POST /protected: 200 "ok" when authenticity_token (param or X-CSRF-Token) is valid, else 422.
  def protected_action
    render plain: "ok"
  end

  # POST /flash (notice=…)
  def set_flash
    flash[:notice] = params[:notice].to_s
    render plain: "ok"
  end

  # DELETE /sign_out
  def sign_out
    reset_session
    render plain: "signed out"
  end
end
