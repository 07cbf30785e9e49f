package io.sdtune.gateway;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/** The callers of the test profile's keys file (src/test/resources/api-keys), and requests made as them. */
final class Callers {
    static final String TENANT_A = "sdt_HQwVNc3RVhjb895zKrs19uiFAiuI70Mg7POJn787MW4";
    static final String TENANT_B = "sdt_iwK4qM5T3M3_g48d-wqxviJpQpydYsYQVXIUG2Ly0Lg";
    /** Of tenant-q, whose quotas the test profile lowers (QuotasTest). */
    static final String TENANT_Q = "sdt_q0tAsT3stK3yQu0tasT3stK3yQu0tasT3stK3yQu0tA";
    /** Of tenant ops. */
    static final String ADMIN = "sdt_xnLy8Qd5F2_b5yKYAfiGRhFlL4RPxGToPPh5xJ9Rjp8";

    private Callers() {
    }

    /** A request as tenant-a: what a test makes unless it is about who calls. */
    static RequestSpecification given() {
        return as(TENANT_A);
    }

    /** A request with {@code token} as its bearer token. */
    static RequestSpecification as(String token) {
        return RestAssured.given().header("Authorization", bearer(token));
    }

    /** The value of an Authorization header that carries {@code token}. */
    static String bearer(String token) {
        return "Bearer " + token;
    }
}
