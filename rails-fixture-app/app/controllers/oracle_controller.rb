# frozen_string_literal: true

# What bin/oracle asks Rails to do. Each action runs inside a full Rack request through the real
# middleware stack (Rails.application.call), so ActionDispatch::Cookies,
# ActionDispatch::Session::CookieStore and ActionDispatch::Flash do their normal work around it.
# Results go back in the Rack env ("rcc.read"), never through the response body, so the exact Ruby
# objects reach Marshal.dump.
class OracleController < ApplicationController
  # session.to_hash is what the cookie store loaded (ActionDispatch::Request::Session#to_hash).
  # "rcc.session_cookie_accepted" is recorded by Rcc::ObserveCookieStore (lib/rcc/oracle.rb) from
  # the return value of CookieStore#get_cookie: nil when the cookie jar rejected the cookie
  # (bad MAC, wrong key, expired envelope, wrong purpose) or no cookie was sent. A rejected cookie
  # makes Rails start a new session with a fresh session_id; we report that as null.
  def read_session
    request.set_header("rcc.read",
      if rails3?
        rails3_verifier.verified(cookies[rcc_op.fetch("name")])
      else
        hash = session.to_hash
        request.get_header("rcc.session_cookie_accepted") ? hash : nil
      end)
    head :no_content
  end

  # cookies.encrypted[name] / cookies.signed[name]: AbstractCookieJar#[] tries purpose
  # "cookie.<name>" first, then no purpose; a rotation or hybrid migration rewrites the cookie.
  def read_cookie
    name = rcc_op.fetch("name")
    value =
      case rcc_op.fetch("kind")
      when "encrypted" then cookies.encrypted[name]
      when "signed" then rails3? ? rails3_verifier.verified(cookies[name]) : cookies.signed[name]
      else raise ArgumentError, "kind must be session, encrypted or signed"
      end
    request.set_header("rcc.read", value)
    head :no_content
  end

  # Writes rcc_op["value"] (a Ruby object bin/oracle decoded) the way an app would.
  def write
    op = rcc_op
    name = op.fetch("name")
    value = op.fetch("value")
    expires = op["expires"] && Time.iso8601(op["expires"])
    case op.fetch("kind")
    when "session"
      raise ArgumentError, "a session's expiry comes from expire_after; write with \"now\" in the past instead" if expires
      raise ArgumentError, "a session value must be a Hash" unless value.is_a?(Hash)
      if rails3?
        cookies[name] = { value: rails3_verifier.generate({ "session_id" => SecureRandom.hex(16) }.merge(value.stringify_keys)), httponly: true }
      else
        raise ArgumentError, "session name must be the session_key #{rcc_config.session_key.inspect}" unless name == rcc_config.session_key
        value.each { |k, v| session[k] = v }
      end
    when "encrypted", "signed"
      if rails3?
        raise ArgumentError, "a secret_token app has no encrypted jar" if op["kind"] == "encrypted"
        expires ||= 20.years.from_now if op["permanent"]
        cookies[name] = { value: rails3_verifier.generate(value), expires: expires }.compact
      else
        jar = op["permanent"] ? cookies.permanent : cookies
        jar = op["kind"] == "encrypted" ? jar.encrypted : jar.signed
        # Always the options form: a bare Hash value would be taken for the options themselves.
        jar[name] = { value: value, expires: expires }.compact
      end
    else
      raise ArgumentError, "kind must be session, encrypted or signed"
    end
    head :no_content
  end
end
